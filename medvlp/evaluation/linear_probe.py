"""Linear probe on frozen features: one-vs-rest logistic regression, C chosen on the validation split.

Each finding gets its own binary logistic regression (scikit-learn ``OneVsRest`` semantics) fitted
only on rows whose label is valid for it; a finding with a single class in the training rows gets a
constant predictor (the training prevalence) and is reported by the metrics as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from medvlp.evaluation.metrics import macro_values

DEFAULT_CS = (0.001, 0.01, 0.1, 1.0, 10.0)


@dataclass
class LinearProbe:
    """Fitted per-finding classifiers (``None`` = constant ``prior`` for single-class findings)."""

    C: float
    classifiers: list[Pipeline | None]
    priors: np.ndarray
    validation_scores: dict[float, float] = field(default_factory=dict)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """``[N, D]`` -> positive probabilities ``[N, K]``."""
        cols = []
        for clf, prior in zip(self.classifiers, self.priors):
            cols.append(np.full(len(features), prior) if clf is None else clf.predict_proba(features)[:, 1])
        return np.stack(cols, axis=1)


def fit_fixed_c(
    features: np.ndarray, targets: np.ndarray, valid: np.ndarray, C: float, seed: int, max_iter: int = 1000
) -> LinearProbe:
    """Fit one standardised logistic regression per finding with inverse regularisation ``C``."""
    classifiers: list[Pipeline | None] = []
    priors = []
    for k in range(targets.shape[1]):
        rows = valid[:, k]
        y = targets[rows, k]
        priors.append(float(y.mean()) if y.size else 0.0)
        if y.size == 0 or y.min() == y.max():
            classifiers.append(None)
            continue
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter, random_state=seed))
        classifiers.append(clf.fit(features[rows], y))
    return LinearProbe(C, classifiers, np.asarray(priors))


def fit_linear_probe(
    train: tuple[np.ndarray, np.ndarray, np.ndarray],
    validation: tuple[np.ndarray, np.ndarray, np.ndarray],
    Cs: Sequence[float] = DEFAULT_CS,
    seed: int = 0,
    max_iter: int = 1000,
) -> LinearProbe:
    """Fit for every C on ``train`` (features [N, D], targets [N, K], valid [N, K]); keep the C with
    the best validation macro AUROC (ties: the smaller C, i.e. the stronger regularisation)."""
    best: LinearProbe | None = None
    scores: dict[float, float] = {}
    for C in sorted(Cs):
        probe = fit_fixed_c(*train, C=C, seed=seed, max_iter=max_iter)
        value = macro_values(validation[1], probe.predict_proba(validation[0]), validation[2])["macro_auroc"]
        scores[C] = value
        if best is None or (not np.isnan(value) and (np.isnan(scores[best.C]) or value > scores[best.C])):
            best = probe
    assert best is not None, "Cs must not be empty"
    best.validation_scores = scores
    return best
