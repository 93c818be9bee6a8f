"""Encoder loading: strict weights, preprocessing from the weight card, unknown prefixes."""

from __future__ import annotations

from pathlib import Path

import pytest
import timm
import torch
from safetensors.torch import save_file

from medvlp.errors import UnknownNameError
from medvlp.evaluation.encoders import Preprocessing
from medvlp.evaluation.errors import CheckpointMismatchError, DatasetMissingError
from medvlp.evaluation.loaders import load_encoder


def test_timm_weights_that_fit_load_and_preprocessing_comes_from_its_config(tmp_path: Path) -> None:
    reference = timm.create_model("test_resnet", pretrained=False, num_classes=0)
    weights = tmp_path / "w.safetensors"
    save_file({k: v.contiguous() for k, v in reference.state_dict().items()}, str(weights))
    enc = load_encoder(f"timm:test_resnet@{weights}")
    loaded = enc.backbone.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in reference.state_dict().items())
    assert enc.preprocessing.channels == 3 and enc.preprocessing.image_size == (160, 160)
    out = enc.encode_image(torch.rand(2, 1, 40, 40))
    assert out.shape == (2, enc.embed_dim) and not enc.has_text
    assert len(enc.forward_pyramid(torch.rand(1, 1, 40, 40))) >= 2


def test_weights_that_do_not_fit_raise_naming_file_and_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    save_file({"conv1.weight": torch.zeros(3, 3), "bogus": torch.zeros(1)}, str(bad))
    with pytest.raises(CheckpointMismatchError) as info:
        load_encoder(f"timm:test_resnet@{bad}")
    assert str(bad) in str(info.value) and "bogus" in str(info.value) and "missing" in str(info.value)


def test_missing_weights_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetMissingError, match="not found"):
        load_encoder(f"timm:test_resnet@{tmp_path / 'nope.safetensors'}")


def test_unknown_prefix_falls_back_to_medvlp_names() -> None:
    with pytest.raises((UnknownNameError, ImportError, AttributeError)):
        load_encoder("no-such-model-config")


def test_preprocessing_resizes_repeats_channels_and_normalises() -> None:
    pre = Preprocessing((8, 8), (0.5, 0.5, 0.5), (0.25, 0.25, 0.25), 3)
    out = pre(torch.full((2, 1, 4, 4), 0.75))
    assert out.shape == (2, 3, 8, 8) and torch.allclose(out, torch.full_like(out, 1.0))


def test_medvlp_checkpoint_directory_round_trip(tmp_path: Path) -> None:
    models = pytest.importorskip("medvlp.models")
    model = models.create_model("cxr_tiny")
    models.save_pretrained(model, tmp_path / "ckpt")
    enc = load_encoder(str(tmp_path / "ckpt"))
    images = torch.rand(2, 1, 64, 64)
    model.eval()
    enc.eval()
    assert torch.allclose(enc.encode_image(images), model.encode_image(images), atol=1e-5)
    assert enc.has_text and enc.spatial_dims == 2
    assert enc.encode_text(["no effusion"]).shape == (1, enc.embed_dim)
