"""Figures render to PNG with the expected size and real content."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest
from bench_fixtures import write_suite

from medvlp.benchmark.plots import write_plots
from medvlp.benchmark.results import read_records
from medvlp.benchmark.runner import run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.evaluation.toy import toy_encoder


def test_roc_bar_and_label_efficiency_plots(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir))
    out = tmp_path / "out"
    run_suite(suite, {"toy-a": toy_encoder(seed=0), "toy-b": toy_encoder(seed=1)}, out)
    paths = write_plots(read_records(out), out)
    names = {p.name.split("_")[0] for p in paths}
    assert {"roc", "bar", "label"} <= names
    for path in paths:
        image = mpimg.imread(path)
        assert image.ndim == 3 and image.shape[2] in (3, 4)
        assert image[..., :3].std() > 0.01  # not a blank canvas
    roc = mpimg.imread(next(p for p in paths if p.name.startswith("roc_")))
    assert roc.shape[:2] == (600, 600)  # 6 x 6 inches at 100 dpi
    efficiency = mpimg.imread(out / "plots" / "label_efficiency_linear_probe_tiny.png")
    assert efficiency.shape[:2] == (400, 600)
    assert np.isfinite(efficiency).all()


def test_paired_comparison_between_models(ingest_dir: Path, tmp_path: Path) -> None:
    from medvlp.benchmark.compare import compare_models

    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir, tasks=[{"task": "zeroshot"}]))
    out = tmp_path / "out"
    run_suite(suite, {"toy-a": toy_encoder(seed=0), "toy-b": toy_encoder(seed=1), "toy-a2": toy_encoder(seed=0)},
              out)
    table = compare_models(read_records(out), out, n_resamples=100)
    assert len(table) == 3 and (out / "comparisons.csv").is_file()
    same = table[(table.model_a == "toy-a") & (table.model_b == "toy-a2")].iloc[0]
    assert same.delta_a_minus_b == 0 and same.p_value == 1.0  # identical weights: no difference
    records = {r["model"]: r for r in read_records(out)}
    other = table[(table.model_a == "toy-a") & (table.model_b == "toy-b")].iloc[0]
    expected = records["toy-a"]["metrics"]["macro_auroc"] - records["toy-b"]["metrics"]["macro_auroc"]
    assert other.delta_a_minus_b == pytest.approx(expected)
