"""Finding-specificity diagnostics: a shared score correlates ~1, independent scores ~0."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from medvlp.evaluation.specificity import score_correlation, text_direction_cosine


def test_shared_score_versus_independent_scores() -> None:
    rng = np.random.default_rng(0)
    shared = rng.normal(size=(500, 1))
    one_score = shared @ rng.uniform(0.5, 2.0, size=(1, 5)) + 1e-3 * rng.normal(size=(500, 5))
    assert score_correlation(one_score) == pytest.approx(1.0, abs=1e-3)
    assert score_correlation(rng.normal(size=(500, 5))) < 0.1
    inverted = np.concatenate([one_score, -shared], axis=1)  # "No Finding" runs opposite: |r| counts it
    assert score_correlation(inverted) == pytest.approx(1.0, abs=1e-3)


def test_constant_columns_are_left_out() -> None:
    scores = np.stack([np.arange(10.0), np.ones(10), np.arange(10.0) ** 2], axis=1)
    expected = abs(np.corrcoef(scores[:, 0], scores[:, 2])[0, 1])
    assert score_correlation(scores) == pytest.approx(expected)
    assert score_correlation(np.ones((10, 3))) is None


def test_text_direction_cosine() -> None:
    negative = F.normalize(torch.randn(8), dim=0)
    e = torch.eye(8)
    same = [torch.stack([torch.stack([negative, negative + 0.1 * e[0]])]) for _ in range(3)]
    assert text_direction_cosine(same) == pytest.approx(1.0, abs=1e-5)
    orthogonal = [torch.stack([torch.stack([negative, negative + e[k]])]) for k in range(3)]
    assert text_direction_cosine(orthogonal) == pytest.approx(0.0, abs=1e-5)
    assert text_direction_cosine(orthogonal[:1]) is None
