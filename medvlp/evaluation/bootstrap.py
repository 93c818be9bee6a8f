"""Bootstrap confidence intervals by patient, and a paired bootstrap test between two models.

Images of one patient are correlated, so resampling images understates the variance; we resample
*patients* with replacement and take all their images (a cluster bootstrap). A resample where a
metric is undefined (e.g. one class only) is dropped and the number kept is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MetricFn = Callable[[np.ndarray], Mapping[str, float]]  # row indices -> {metric: value}


@dataclass
class Interval:
    """Percentile interval of one metric: ``low``/``high`` at ``level``, from ``n_valid`` resamples."""

    low: float | None
    high: float | None
    level: float
    n_valid: int


@dataclass
class PairedTest:
    """Difference ``a - b`` of one metric on the same test set, its interval and two-sided p-value."""

    metric: str
    delta: float
    interval: Interval
    p_value: float


def group_rows(groups: Sequence[object]) -> list[np.ndarray]:
    """Row indices of each distinct group (patient), in first-seen order."""
    _, inverse = np.unique(np.asarray(groups, dtype=object).astype(str), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    return np.split(order, bounds)


def resample_indices(clusters: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One cluster-bootstrap resample: draw len(clusters) clusters with replacement, concatenate rows."""
    picked = rng.integers(0, len(clusters), size=len(clusters))
    return np.concatenate([clusters[i] for i in picked])


def _interval(values: np.ndarray, level: float) -> Interval:
    values = values[~np.isnan(values)]
    if values.size == 0:
        return Interval(None, None, level, 0)
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return Interval(float(low), float(high), level, int(values.size))


def bootstrap_ci(
    metric_fn: MetricFn,
    groups: Sequence[object],
    n_resamples: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
) -> dict[str, Interval]:
    """Percentile interval of every metric ``metric_fn`` returns, resampling ``groups`` (patients)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    clusters = group_rows(groups)
    draws: dict[str, list[float]] = {}
    for _ in range(n_resamples):
        for name, value in metric_fn(resample_indices(clusters, rng)).items():
            draws.setdefault(name, []).append(value)
    return {name: _interval(np.asarray(v, dtype=float), level) for name, v in draws.items()}


def paired_bootstrap_test(
    metric_a: MetricFn,
    metric_b: MetricFn,
    groups: Sequence[object],
    metric: str,
    n_resamples: int = 1000,
    level: float = 0.95,
    rng: np.random.Generator | None = None,
) -> PairedTest:
    """Compare two models scored on the same rows: both see the *same* patient resample each time.

    The p-value is two-sided: twice the smaller share of resampled differences on either side of 0.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    clusters = group_rows(groups)
    everything = np.concatenate(clusters)
    delta = float(metric_a(everything)[metric] - metric_b(everything)[metric])
    diffs = []
    for _ in range(n_resamples):
        rows = resample_indices(clusters, rng)
        diffs.append(metric_a(rows)[metric] - metric_b(rows)[metric])
    values = np.asarray(diffs, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return PairedTest(metric, delta, Interval(None, None, level, 0), float("nan"))
    below, above = np.mean(values <= 0), np.mean(values >= 0)
    p_value = float(min(1.0, 2 * min(below, above)))
    return PairedTest(metric, delta, _interval(values, level), p_value)
