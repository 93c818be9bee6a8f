"""Hand-built encoders whose embeddings the tests know exactly."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import torch
from torch import nn

from medvlp.evaluation.encoders import EvalEncoder, Preprocessing


def lookup_encoder(table: dict[str, Sequence[float]], dim: int, scale: float = 5.0) -> EvalEncoder:
    """Images ``[B, dim, 1, 1]`` embed to their channel vector; texts embed through ``table``."""
    calls: list[int] = []

    def text_fn(texts: Sequence[str]) -> torch.Tensor:
        calls.append(len(texts))
        return torch.tensor([list(table[t]) for t in texts], dtype=torch.float32)

    enc = EvalEncoder("lookup", nn.Identity(), lambda x: x.flatten(1), dim, Preprocessing(channels=dim),
                      text_fn=text_fn, logit_scale=scale)
    enc.text_calls = calls  # type: ignore[attr-defined]
    return enc


@pytest.fixture
def make_lookup_encoder():
    return lookup_encoder
