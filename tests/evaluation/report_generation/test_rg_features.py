"""Image tokens from every kind of encoder, and per-study batching of views."""

from __future__ import annotations

import torch
from torch import nn

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.report_generation.features import encode_tokens, study_batch, token_function
from medvlp.evaluation.toy import toy_encoder


def test_vlp_model_gives_its_local_tokens() -> None:
    encoder = load_encoder("cxr_tiny")  # random-init medvlp model: tokens from its image tower
    tokens = encode_tokens(token_function(encoder), torch.rand(3, 1, 64, 64))
    assert tokens.ndim == 3 and tokens.shape[0] == 3 and tokens.shape[1] > 1


def test_pyramid_encoder_gives_coarsest_map_cells() -> None:
    encoder = toy_encoder(dim=16)
    images = torch.rand(2, 1, 32, 32)
    tokens = encode_tokens(token_function(encoder), images)
    coarsest = encoder.forward_pyramid(images)[-1]  # [B, C, 2, 2]
    assert tokens.shape == (2, 4, coarsest.shape[1])
    assert torch.allclose(tokens[:, 1], coarsest[:, :, 0, 1])


def test_pooled_only_encoder_gives_one_token_and_callables_pass_through() -> None:
    pooled = EvalEncoder("pooled", nn.Identity(), lambda x: x.flatten(1), 4)
    assert encode_tokens(token_function(pooled), torch.rand(2, 1, 2, 2)).shape == (2, 1, 4)
    fn = lambda x: x.flatten(2).transpose(1, 2)
    assert token_function(fn) is fn


def test_views_concatenated_and_capped() -> None:
    tokens = torch.arange(4 * 2 * 1, dtype=torch.float32).reshape(4, 2, 1)
    batch, mask = study_batch(tokens, [[0, 2], [1], [3, 0, 1]], max_views=2)
    assert batch.shape == (3, 4, 1)
    assert batch[0, :, 0].tolist() == [0, 1, 4, 5]
    assert mask.tolist() == [[True] * 4, [True, True, False, False], [True] * 4]
    assert batch[2, :, 0].tolist() == [6, 7, 0, 1]
