"""Classification metrics against scikit-learn, and the undefined-AUROC handling."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from medvlp.evaluation.labels import binarize_labels
from medvlp.evaluation.metrics import auroc, finding_metrics, macro_summary, macro_values, per_finding_metrics


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_auroc_matches_sklearn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200), 1)  # heavy ties
    assert auroc(targets, scores) == pytest.approx(roc_auc_score(targets, scores), abs=1e-12)


def test_f1_and_accuracy_match_sklearn_at_argmax() -> None:
    rng = np.random.default_rng(3)
    targets = rng.integers(0, 2, 300)
    scores = np.clip(targets * 0.3 + rng.random(300) * 0.7, 0, 1)
    m = finding_metrics("x", targets, scores)
    pred = (scores > 0.5).astype(int)
    assert m.f1 == pytest.approx(f1_score(targets, pred, pos_label=1))
    assert m.accuracy == pytest.approx(accuracy_score(targets, pred))
    assert m.auroc == pytest.approx(roc_auc_score(targets, scores))


def test_single_class_finding_is_undefined_and_excluded_from_macro() -> None:
    rng = np.random.default_rng(4)
    targets = np.stack([rng.integers(0, 2, 50), np.zeros(50)], axis=1)
    scores = rng.random((50, 2))
    valid = np.ones_like(targets, dtype=bool)
    findings = per_finding_metrics(targets, scores, valid, ["a", "b"])
    assert findings[1].auroc is None and "negative" in (findings[1].note or "")
    summary = macro_summary(findings)
    assert summary["macro_auroc"] == pytest.approx(roc_auc_score(targets[:, 0], scores[:, 0]))
    assert "b" in str(summary["note"]) and summary["n_findings"] == 1
    fast = macro_values(targets, scores, valid)
    assert fast["macro_auroc"] == pytest.approx(summary["macro_auroc"])


def test_binarize_policies() -> None:
    labels = np.array([[1.0, 0.0, -1.0, np.nan]])
    t, v = binarize_labels(labels)
    assert t.tolist() == [[1, 0, 0, 0]] and v.tolist() == [[True, True, False, True]]
    t, v = binarize_labels(labels, unmentioned="ignore", uncertain="positive")
    assert t.tolist() == [[1, 0, 1, 0]] and v.tolist() == [[True, True, True, False]]


def test_masked_rows_are_left_out_of_the_finding() -> None:
    targets = np.array([[1.0], [0.0], [1.0], [0.0]])
    scores = np.array([[0.9], [0.1], [0.0], [1.0]])  # the last two rows would make AUROC 0.5
    valid = np.array([[True], [True], [False], [False]])
    assert per_finding_metrics(targets, scores, valid, ["a"])[0].auroc == 1.0
