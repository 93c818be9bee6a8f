"""Channels-last conversion: the layout changes, the function computed does not."""

from __future__ import annotations

import copy

import torch
from torch import nn

from medvlp.models import create_encoder, create_model
from medvlp.models.memory_format import use_channels_last


def _conv_weights(model: nn.Module, kind: type[nn.Module]) -> list[torch.Tensor]:
    return [m.weight for m in model.modules() if isinstance(m, kind)]


def test_2d_encoder_weights_become_channels_last_with_the_same_outputs_and_gradients() -> None:
    torch.manual_seed(0)
    plain = create_encoder("test_resnet", mean=0.0, std=1.0).train()
    converted = copy.deepcopy(plain)
    n = use_channels_last(converted)
    assert n == len(_conv_weights(plain, nn.Conv2d)) > 0
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in _conv_weights(converted, nn.Conv2d))
    assert not all(w.is_contiguous(memory_format=torch.channels_last) for w in _conv_weights(plain, nn.Conv2d))
    images = torch.rand(4, 1, 32, 32)  # an ordinary NCHW batch: inputs are not converted
    out_plain = plain.encode(images, None, None).pooled
    out_converted = converted.encode(images, None, None).pooled
    torch.testing.assert_close(out_converted, out_plain, rtol=1e-4, atol=1e-5)
    out_plain.square().sum().backward()
    out_converted.square().sum().backward()
    for a, b in zip(plain.parameters(), converted.parameters(), strict=True):
        assert a.grad is not None and b.grad is not None
        # float rounding differs between layouts (BatchNorm batch statistics amplify it): compare norms
        assert (b.grad - a.grad).norm() <= 1e-3 * a.grad.norm() + 1e-7


def test_3d_encoder_is_left_alone() -> None:
    encoder = create_encoder("resnet3d_tiny")
    before = {k: v.stride() for k, v in encoder.state_dict().items()}
    assert use_channels_last(encoder) == 0
    assert {k: v.stride() for k, v in encoder.state_dict().items()} == before


def test_slice_pooling_model_converts_its_2d_slice_encoder() -> None:
    model = create_model("ct_slicepool_tiny")
    assert use_channels_last(model) == len(_conv_weights(model, nn.Conv2d)) > 0
