"""The linear probe declares itself seed-invariant: it runs once per fraction and says so.

The claim is checked, not assumed: fitting with seeds 42/0/1 must give identical probabilities (if
someone adds a stochastic solver, this fails and the task must get its seeds back).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from bench_fixtures import write_suite

from medvlp.benchmark.report import SEED_INVARIANT_NOTE, write_tables
from medvlp.benchmark.results import read_records
from medvlp.benchmark.runner import plan_runs, run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.evaluation.linear_probe import fit_linear_probe
from medvlp.evaluation.tasks import get_task_class
from medvlp.evaluation.toy import toy_encoder


def test_linear_probe_fit_does_not_depend_on_the_seed() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(80, 12))
    targets = (x[:, :3] + 0.5 * rng.normal(size=(80, 3)) > 0).astype(float)
    valid = np.ones_like(targets, dtype=bool)
    train, validation = (x[:60], targets[:60], valid[:60]), (x[60:], targets[60:], valid[60:])
    probs = [fit_linear_probe(train, validation, [0.01, 0.1, 1.0], seed=s).predict_proba(x) for s in (42, 0, 1)]
    assert np.array_equal(probs[0], probs[1]) and np.array_equal(probs[0], probs[2])


def test_seed_roles_are_declared() -> None:
    assert get_task_class("linear_probe").uses_seed is False
    assert get_task_class("finetune").uses_seed is True  # SGD, shuffling, dropout: seeds mean something
    assert get_task_class("segmentation").uses_seed is True  # decoder init and batch order


def test_probe_runs_once_per_fraction_and_the_report_says_why(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir, seeds=[42, 0, 1],
                                   tasks=[{"task": "linear_probe", "params": {"Cs": [0.1, 1.0]}}]))
    assert [(r.fraction, r.seed) for r in plan_runs(suite, ["toy"])] == [(0.5, None), (1.0, None)]
    out = tmp_path / "out"
    run_suite(suite, {"toy": toy_encoder()}, out)
    records = read_records(out)
    assert len(records) == 2 and all(r["seed"] is None and r["seed_invariant"] is True for r in records)
    assert all(any("seed-invariant" in n for n in r["notes"]) for r in records)
    table = write_tables(records, out)
    assert set(table["per_seed"]) == {"run once (seed-invariant)"} and table["std"].isna().all()
    assert SEED_INVARIANT_NOTE in (out / "summary.md").read_text()
    line = json.loads((out / "results.jsonl").read_text().splitlines()[0])
    assert line["seed_invariant"] is True
