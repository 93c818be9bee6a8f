"""Fixture: random embeddings shaped like a model's output dict, for objective tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys


def random_outputs(batch: int = 6, dim: int = 8, seed: int = 0, scale: float = 5.0,
                   dtype: torch.dtype = torch.float64) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    image = F.normalize(torch.randn(batch, dim, generator=gen, dtype=dtype), dim=1).requires_grad_()
    text = F.normalize(torch.randn(batch, dim, generator=gen, dtype=dtype), dim=1).requires_grad_()
    return {keys.IMAGE_EMBEDS: image, keys.TEXT_EMBEDS: text,
            keys.LOGIT_SCALE: torch.tensor(scale, dtype=dtype, requires_grad=True)}


@pytest.fixture
def make_outputs() -> Callable[..., dict[str, torch.Tensor]]:
    return random_outputs
