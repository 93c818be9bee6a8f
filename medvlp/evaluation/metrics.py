"""Classification metrics per finding and macro-averaged, with undefined cases reported, not hidden.

* AUROC uses the Mann-Whitney rank statistic (identical to ``sklearn.metrics.roc_auc_score``, ties
  counted half) so that 1,000 bootstrap resamples stay cheap.
* F1 is binary F1 of the positive class at argmax of the (negative, positive) pair, i.e. ``p > 0.5``.
* A finding whose evaluated rows hold a single class has no AUROC: it is reported as undefined with
  the reason and left out of the macro average, and the macro carries a note naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import rankdata

THRESHOLD = 0.5  # argmax over a (negative, positive) probability pair


@dataclass
class FindingMetrics:
    """Metrics of one finding on one split; ``auroc`` is None when undefined (see ``note``)."""

    name: str
    auroc: float | None
    f1: float | None
    accuracy: float | None
    n_positive: int
    n_negative: int
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def auroc(targets: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of binary ``targets`` [N] vs ``scores`` [N]; NaN with one class."""
    targets = np.asarray(targets, dtype=bool)
    n_pos = int(targets.sum())
    n_neg = targets.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)  # average ranks: ties count half, as sklearn does
    return float((ranks[targets].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def binary_f1(targets: np.ndarray, predictions: np.ndarray) -> float:
    """F1 of the positive class; 0 when there are neither true nor predicted positives (sklearn's default)."""
    targets = np.asarray(targets, dtype=bool)
    predictions = np.asarray(predictions, dtype=bool)
    tp = float(np.sum(targets & predictions))
    denom = float(targets.sum() + predictions.sum())
    return 0.0 if denom == 0 else 2.0 * tp / denom


def finding_metrics(name: str, targets: np.ndarray, scores: np.ndarray) -> FindingMetrics:
    """Metrics of one finding; ``targets`` [N] in {0, 1}, ``scores`` [N] positive-class probability."""
    n_pos = int(np.sum(targets == 1))
    n_neg = int(np.sum(targets == 0))
    if targets.size == 0:
        return FindingMetrics(name, None, None, None, 0, 0, "no labelled rows in this split")
    predictions = scores > THRESHOLD
    f1 = binary_f1(targets, predictions)
    accuracy = float(np.mean(predictions == targets.astype(bool)))
    if n_pos == 0 or n_neg == 0:
        only = "positive" if n_neg == 0 else "negative"
        note = f"AUROC undefined: all {targets.size} labelled rows are {only}; excluded from the macro"
        return FindingMetrics(name, None, f1, accuracy, n_pos, n_neg, note)
    return FindingMetrics(name, auroc(targets, scores), f1, accuracy, n_pos, n_neg)


def per_finding_metrics(
    targets: np.ndarray, scores: np.ndarray, valid: np.ndarray, names: Sequence[str]
) -> list[FindingMetrics]:
    """``targets``/``scores``/``valid`` [N, K] -> one :class:`FindingMetrics` per finding."""
    return [
        finding_metrics(name, targets[valid[:, k], k], scores[valid[:, k], k]) for k, name in enumerate(names)
    ]


def macro_summary(findings: Sequence[FindingMetrics]) -> dict[str, object]:
    """Macro AUROC / F1 / accuracy over findings whose AUROC is defined, and a note on the rest."""
    defined = [f for f in findings if f.auroc is not None]
    summary: dict[str, object] = {
        "macro_auroc": float(np.mean([f.auroc for f in defined])) if defined else None,
        "macro_f1": float(np.mean([f.f1 for f in defined])) if defined else None,
        "macro_accuracy": float(np.mean([f.accuracy for f in defined])) if defined else None,
        "n_findings": len(defined),
    }
    excluded = [f.name for f in findings if f.auroc is None]
    if excluded:
        summary["note"] = f"excluded from macro (AUROC undefined): {', '.join(excluded)}"
    return summary


def macro_values(targets: np.ndarray, scores: np.ndarray, valid: np.ndarray) -> dict[str, float]:
    """Fast macro AUROC / F1 / accuracy for bootstrap resamples (NaN when nothing is defined)."""
    aurocs, f1s, accs = [], [], []
    for k in range(targets.shape[1]):
        rows = valid[:, k]
        t, s = targets[rows, k], scores[rows, k]
        a = auroc(t, s) if t.size else float("nan")
        if np.isnan(a):
            continue
        pred = s > THRESHOLD
        aurocs.append(a)
        f1s.append(binary_f1(t, pred))
        accs.append(float(np.mean(pred == t.astype(bool))))
    if not aurocs:
        nan = float("nan")
        return {"macro_auroc": nan, "macro_f1": nan, "macro_accuracy": nan}
    return {"macro_auroc": float(np.mean(aurocs)), "macro_f1": float(np.mean(f1s)),
            "macro_accuracy": float(np.mean(accs))}
