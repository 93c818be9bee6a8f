"""Random-init baselines are the same model in every process and leave the caller's RNG alone."""

from __future__ import annotations

import torch

from medvlp.evaluation.loaders import load_encoder


def test_random_baseline_is_reproducible_and_local() -> None:
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    first, second = load_encoder("cxr_tiny"), load_encoder("cxr_tiny")
    assert torch.equal(torch.random.get_rng_state(), before)
    params_a = list(first.parameters())
    params_b = list(second.parameters())
    assert len(params_a) > 10
    assert all(torch.equal(x, y) for x, y in zip(params_a, params_b))
