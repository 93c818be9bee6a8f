"""Clinical efficacy: findings stated in generated reports against those in the references.

Both texts go through medvlp's rule-based labeler (:mod:`medvlp.knowledge.labeler`, CheXpert's 14
observations); a finding counts as stated when the labeler marks it positive (1.0). Uncertain,
negated and unmentioned all count as "not stated", the usual positive-vs-rest CE protocol.
A generated report the labeler cannot read (empty text) states nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medvlp.evaluation.bootstrap import bootstrap_ci
from medvlp.knowledge.findings import POSITIVE
from medvlp.knowledge.labeler import Labeler


def stated_findings(texts: Sequence[str], label_set: str = "chexpert") -> tuple[np.ndarray, list[str]]:
    """``bool [N, K]`` (finding stated positive) and the K finding names, in label-set order."""
    labeler = Labeler(label_set)
    names = list(labeler.label_set.labels)
    rows = labeler.label_many(list(texts))
    return np.array([[r.values[n] == POSITIVE for n in names] for r in rows], dtype=bool).reshape(-1, len(names)), names


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (sklearn's ``zero_division=0``)."""
    return np.divide(num, den, out=np.zeros(np.shape(num), dtype=float), where=den > 0)


def _prf(truth: np.ndarray, pred: np.ndarray, average: str | None) -> tuple[Any, Any, Any]:
    """Precision, recall, F1 of ``bool [N, K]`` arrays, as sklearn's ``precision_recall_fscore_support``
    (``zero_division=0``) computes them, from counts: the bootstrap calls this a thousand times, and
    the counting is ~40x cheaper than sklearn's input validation (benchmarks/perf/report_generation.py) (tests check they agree)."""
    axis = None if average == "micro" else 0
    tp = (truth & pred).sum(axis=axis)
    fp = (~truth & pred).sum(axis=axis)
    fn = (truth & ~pred).sum(axis=axis)
    p, r, f = _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)
    if average == "macro":
        return p.mean(), r.mean(), f.mean()
    return p, r, f


def efficacy_values(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Micro and macro precision / recall / F1 over findings of ``bool [N, K]`` arrays."""
    out: dict[str, float] = {}
    for average in ("micro", "macro"):
        p, r, f = _prf(truth, pred, average)
        out.update({f"ce_{average}_precision": float(p), f"ce_{average}_recall": float(r),
                    f"ce_{average}_f1": float(f)})
    return out


@dataclass
class ClinicalEfficacy:
    metrics: dict[str, float]
    per_finding: list[dict[str, Any]]
    ci: dict[str, list[float | None]] = field(default_factory=dict)


def clinical_efficacy(references: Sequence[str], generated: Sequence[str], studies: Sequence[str],
                      label_set: str = "chexpert", n_resamples: int = 1000, level: float = 0.95,
                      rng: np.random.Generator | None = None) -> ClinicalEfficacy:
    """CE scores of paired reports (one row per study) with study-bootstrap intervals.

    Macro averages include findings absent from both sides as 0 (sklearn ``zero_division=0``), so
    they are comparable only between runs on the same test set.
    """
    truth, names = stated_findings(references, label_set)
    pred, _ = stated_findings(generated, label_set)
    metrics = efficacy_values(truth, pred)
    p, r, f = _prf(truth, pred, None)
    per_finding = [{"finding": name, "precision": float(p[k]), "recall": float(r[k]), "f1": float(f[k]),
                    "n_reference_positive": int(truth[:, k].sum()), "n_generated_positive": int(pred[:, k].sum())}
                   for k, name in enumerate(names)]
    ci: dict[str, list[float | None]] = {}
    if n_resamples > 0 and len(studies) > 1:
        intervals = bootstrap_ci(lambda rows: efficacy_values(truth[rows], pred[rows]), list(studies),
                                 n_resamples, level, rng if rng is not None else np.random.default_rng(0))
        ci = {name: [iv.low, iv.high] for name, iv in intervals.items()}
    return ClinicalEfficacy(metrics, per_finding, ci)
