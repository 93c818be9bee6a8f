"""Patient-level bootstrap and the paired test."""

from __future__ import annotations

import numpy as np

from medvlp.evaluation.bootstrap import bootstrap_ci, group_rows, paired_bootstrap_test


def _clustered(rng: np.random.Generator, n_patients: int = 30, per_patient: int = 20):
    """Scores correlated within patient: every image of a patient shares one noisy score."""
    patient_label = rng.integers(0, 2, n_patients)
    patient_score = patient_label * 0.3 + rng.random(n_patients)
    patients = np.repeat(np.arange(n_patients), per_patient)
    return patient_label[patients], patient_score[patients] + 1e-3 * rng.random(patients.size), patients


def _mean_score(targets: np.ndarray, scores: np.ndarray):
    return lambda rows: {"mean_pos_score": float(scores[rows][targets[rows] == 1].mean())}


def test_resampling_patients_gives_wider_interval_than_resampling_images() -> None:
    targets, scores, patients = _clustered(np.random.default_rng(0))
    fn = _mean_score(targets, scores)
    by_patient = bootstrap_ci(fn, patients, 500, rng=np.random.default_rng(1))["mean_pos_score"]
    by_image = bootstrap_ci(fn, np.arange(len(patients)), 500, rng=np.random.default_rng(1))["mean_pos_score"]
    width_patient = by_patient.high - by_patient.low
    width_image = by_image.high - by_image.low
    assert width_patient > 2.5 * width_image  # 20 near-identical images per patient ~ sqrt(20) narrower


def test_interval_contains_the_point_estimate_and_counts_resamples() -> None:
    targets, scores, patients = _clustered(np.random.default_rng(2))
    fn = _mean_score(targets, scores)
    point = fn(np.arange(len(targets)))["mean_pos_score"]
    ci = bootstrap_ci(fn, patients, 300, rng=np.random.default_rng(0))["mean_pos_score"]
    assert ci.low < point < ci.high and ci.n_valid == 300


def test_group_rows_partitions_rows() -> None:
    groups = ["b", "a", "b", "c", "a"]
    clusters = group_rows(groups)
    assert sorted(sorted(c.tolist()) for c in clusters) == [[0, 2], [1, 4], [3]]


def test_paired_test_identical_models_and_clearly_different_models() -> None:
    rng = np.random.default_rng(5)
    n = 200
    targets = rng.integers(0, 2, n)
    good = targets + rng.normal(0, 0.3, n)
    bad = rng.random(n)
    patients = np.arange(n) // 2

    def acc(s):
        return lambda rows: {"acc": float(np.mean((s[rows] > 0.5) == targets[rows]))}

    same = paired_bootstrap_test(acc(good), acc(good), patients, "acc", 300, rng=np.random.default_rng(0))
    assert same.delta == 0 and same.p_value == 1.0
    diff = paired_bootstrap_test(acc(good), acc(bad), patients, "acc", 300, rng=np.random.default_rng(0))
    assert diff.delta > 0.2 and diff.p_value < 0.01 and diff.interval.low > 0
