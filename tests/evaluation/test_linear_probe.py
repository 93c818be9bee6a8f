"""The linear probe picks C on the validation split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

from medvlp.evaluation.linear_probe import fit_linear_probe


def _data(rng: np.random.Generator, n: int, informative: int):
    x = rng.normal(size=(n, 20))
    y = (x[:, :informative].sum(1) + rng.normal(0, 1.0, n) > 0).astype(float)
    return x, y[:, None], np.ones((n, 1), dtype=bool)


def test_chosen_c_is_best_on_validation_and_scores_match_sklearn() -> None:
    rng = np.random.default_rng(0)
    train, valid = _data(rng, 60, 2), _data(rng, 200, 2)
    Cs = [1e-4, 1e-2, 1.0, 100.0]
    probe = fit_linear_probe(train, valid, Cs, seed=0)
    independent = {}
    for C in Cs:  # refit each C with plain scikit-learn, score on validation
        scaler = StandardScaler().fit(train[0])
        clf = LogisticRegression(C=C, max_iter=1000).fit(scaler.transform(train[0]), train[1][:, 0])
        independent[C] = roc_auc_score(valid[1][:, 0], clf.predict_proba(scaler.transform(valid[0]))[:, 1])
    assert probe.validation_scores == pytest.approx(independent)
    assert probe.C == max(Cs, key=lambda c: (independent[c], -c))


def test_choice_follows_validation_not_training_fit() -> None:
    rng = np.random.default_rng(1)
    n_train, n_features = 30, 60  # few rows, many noise features: weak regularisation overfits

    def draw(n: int):
        x = rng.normal(size=(n, n_features))
        y = (x[:, 0] + rng.normal(0, 1.0, n) > 0).astype(float)[:, None]
        return x, y, np.ones_like(y, dtype=bool)

    train, valid = draw(n_train), draw(400)
    Cs = [1e-3, 1e-1, 1e3]
    probe = fit_linear_probe(train, valid, Cs, seed=0)
    train_auc = {}
    for C in Cs:
        fitted = fit_linear_probe(train, train, [C], seed=0)  # "validating" on train itself
        train_auc[C] = fitted.validation_scores[C]
    assert train_auc[1e3] == max(train_auc.values())  # on train, the weakest regularisation looks best
    assert probe.C < 1e3  # on held-out validation it does not
    assert probe.validation_scores[probe.C] > probe.validation_scores[1e3]
    assert probe.validation_scores[probe.C] == max(probe.validation_scores.values())


def test_single_class_finding_gets_constant_prior() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(30, 5))
    y = np.stack([(x[:, 0] > 0).astype(float), np.zeros(30)], axis=1)
    valid = np.ones_like(y, dtype=bool)
    probe = fit_linear_probe((x, y, valid), (x, y, valid), [1.0], seed=0)
    proba = probe.predict_proba(x)
    assert proba.shape == (30, 2) and np.all(proba[:, 1] == 0.0)
