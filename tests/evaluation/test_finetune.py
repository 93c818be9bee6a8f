"""Fine-tuning: learns a separable task, restores the best-on-validation weights, keeps the input model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from medvlp.evaluation.finetune import FineTuneConfig, fine_tune, warmup_cosine
from medvlp.evaluation.toy import toy_encoder


def _split(gen: torch.Generator, n: int):
    labels = torch.randint(0, 2, (n,), generator=gen)
    images = torch.rand(n, 1, 16, 16, generator=gen) * 0.3 + labels.view(n, 1, 1, 1) * 0.5
    targets = labels.numpy().astype(float)[:, None]
    return images, targets, np.ones_like(targets, dtype=bool)


def test_fine_tune_learns_and_leaves_encoder_untouched() -> None:
    gen = torch.Generator().manual_seed(0)
    train, valid, test = _split(gen, 48), _split(gen, 24), _split(gen, 24)
    encoder = toy_encoder(dim=16)
    before = [p.clone() for p in encoder.parameters()]
    result = fine_tune(encoder, train, valid, test[0], FineTuneConfig(epochs=6, batch_size=16, head_lr=1e-2), 0)
    assert roc_auc_score(test[1][:, 0], result.test_scores[:, 0]) > 0.9
    assert result.best_epoch == int(np.argmax(result.validation_history))
    assert all(torch.equal(a, b) for a, b in zip(before, encoder.parameters()))


def test_warmup_then_cosine() -> None:
    f = warmup_cosine(100, 10)
    assert f(0) == pytest.approx(0.1) and f(9) == pytest.approx(1.0)
    assert f(10) == pytest.approx(1.0) and f(55) == pytest.approx(0.5) and f(100) == pytest.approx(0.0)
