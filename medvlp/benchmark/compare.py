"""Paired comparisons between models run on the same test set (same task, dataset, fraction, seed).

For every such cell with two or more models, each pair gets a paired patient-level bootstrap test
of the macro AUROC (both models see the same resampled patients), written to ``comparisons.csv``.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medvlp.benchmark.results import latest_by_hash
from medvlp.evaluation.bootstrap import MetricFn, paired_bootstrap_test
from medvlp.evaluation.metrics import macro_values
from medvlp.utils.files import atomic_write_text

CELL = ("task", "dataset", "fraction", "seed")


def _load(out_dir: Path, record: dict[str, Any]) -> dict[str, np.ndarray]:
    with np.load(out_dir / record["predictions"], allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _macro_fn(targets: np.ndarray, scores: np.ndarray, valid: np.ndarray) -> MetricFn:
    return lambda rows: macro_values(targets[rows], scores[rows], valid[rows])


def compare_models(records: list[dict[str, Any]], out_dir: str | Path, n_resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Paired tests for every model pair per cell; returns (and writes) the table."""
    out = Path(out_dir)
    cells: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in latest_by_hash(records):
        if r["status"] == "ok" and r.get("predictions"):
            cells.setdefault(tuple(r.get(k) for k in CELL), []).append(r)
    rows = []
    for cell, runs in sorted(cells.items(), key=lambda kv: str(kv[0])):
        for a, b in combinations(sorted(runs, key=lambda r: r["model"]), 2):
            pa, pb = _load(out, a), _load(out, b)
            if pa["targets"].shape != pb["targets"].shape or not np.array_equal(pa["patients"], pb["patients"]):
                continue  # not the same test rows: no paired test
            t, v = pa["targets"], pa["valid"]
            test = paired_bootstrap_test(_macro_fn(t, pa["scores"], v), _macro_fn(t, pb["scores"], v),
                                         pa["patients"].tolist(), "macro_auroc", n_resamples,
                                         rng=np.random.default_rng(seed))
            rows.append({**dict(zip(CELL, cell)), "model_a": a["model"], "model_b": b["model"],
                         "metric": test.metric, "delta_a_minus_b": test.delta, "ci_low": test.interval.low,
                         "ci_high": test.interval.high, "p_value": test.p_value})
    table = pd.DataFrame(rows)
    atomic_write_text(out / "comparisons.csv", table.to_csv(index=False))
    return table
