"""Runner: records, cache/skip on rerun, explained skips, errors that do not lose finished runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_fixtures import write_ingest, write_suite

from medvlp.benchmark.report import write_tables
from medvlp.benchmark.results import read_records
from medvlp.benchmark.runner import run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.evaluation.tasks import TASKS
from medvlp.evaluation.toy import toy_encoder


def test_run_records_and_rerun_uses_cache(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir))
    out = tmp_path / "out"
    first = run_suite(suite, {"toy": toy_encoder()}, out)
    assert first.ran == 4 and first.errors == 0, [r.get("reason") for r in first.records]  # probe: seed-invariant
    records = read_records(out)
    assert len(records) == 4 and all(r["status"] == "ok" for r in records)
    probe = next(r for r in records if r["task"] == "linear_probe")
    assert {"macro_auroc", "macro_f1", "macro_accuracy", "C"} <= set(probe["metrics"])
    low, high = probe["ci"]["macro_auroc"]
    assert low <= probe["metrics"]["macro_auroc"] <= high
    assert probe["versions"]["torch"] and len(probe["config_hash"]) == 16
    undefined = [f for f in probe["per_finding"] if f["auroc"] is None]
    assert undefined and all("undefined" in f["note"] for f in undefined)
    retrieval = next(r for r in records if r["task"] == "retrieval")
    assert "image_to_text_R@1" in retrieval["metrics"] and "text_to_image_R@10" in retrieval["metrics"]

    second = run_suite(suite, {"toy": toy_encoder()}, out)
    assert second.ran == 0 and second.cached == 4 and len(read_records(out)) == 4

    suite.bootstrap.n_resamples = 60  # a config change invalidates the cache
    assert run_suite(suite, {"toy": toy_encoder()}, out).ran == 4


def test_single_class_split_is_a_recorded_skip(tmp_path: Path) -> None:
    root = write_ingest(tmp_path / "ingest", single_class=True)
    suite = load_suite(write_suite(tmp_path / "s.yaml", root, tasks=[{"task": "zeroshot"}]))
    summary = run_suite(suite, {"toy": toy_encoder()}, tmp_path / "out")
    (record,) = summary.records
    assert record["status"] == "skipped" and record["reason_code"] == "single_class"
    assert "both classes" in record["reason"]
    assert run_suite(suite, {"toy": toy_encoder()}, tmp_path / "out").cached == 1  # final: not retried


def test_missing_dataset_is_skipped_and_retried(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", tmp_path / "absent", tasks=[{"task": "zeroshot"}]))
    out = tmp_path / "out"
    (record,) = run_suite(suite, {"toy": toy_encoder()}, out).records
    assert record["status"] == "skipped" and "shards" in record["reason"]
    write_ingest(tmp_path / "absent")  # the data appears: the rerun picks it up
    assert run_suite(suite, {"toy": toy_encoder()}, out).records[0]["status"] == "ok"


def test_failing_run_does_not_lose_finished_runs(ingest_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir))
    retrieval = TASKS.get("retrieval")

    def boom(self, ctx):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(retrieval, "run", boom)
    out = tmp_path / "out"
    summary = run_suite(suite, {"toy": toy_encoder()}, out)
    assert summary.errors == 1 and summary.ran == 4
    lines = (out / "results.jsonl").read_text().splitlines()
    statuses = [json.loads(line)["status"] for line in lines]
    assert statuses.count("ok") == 3 and statuses.count("error") == 1
    monkeypatch.undo()
    again = run_suite(suite, {"toy": toy_encoder()}, out)
    assert again.ran == 1 and again.records[0]["status"] == "ok"  # only the failed run reruns


def test_tables_report_mean_std_and_per_seed(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir))
    out = tmp_path / "out"
    run_suite(suite, {"toy": toy_encoder()}, out)
    table = write_tables(read_records(out), out)
    row = table[(table.task == "linear_probe") & (table.fraction == "1")].iloc[0]
    seeds = [r for r in read_records(out) if r["task"] == "linear_probe" and r["fraction"] == 1.0]
    values = [r["metrics"]["macro_auroc"] for r in seeds]
    assert row["mean"] == pytest.approx(sum(values) / len(values)) and row["n_ok"] == 1  # seed-invariant
    assert row["per_seed"] == "run once (seed-invariant)" and row["std"] is None
    md = (out / "summary.md").read_text()
    assert "| toy | linear_probe | tiny | 0.5 |" in md and (out / "summary.csv").is_file()


def test_model_of_other_dimensionality_is_an_explained_skip(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir, tasks=[{"task": "zeroshot"}]))
    (record,) = run_suite(suite, {"toy3d": toy_encoder(spatial_dims=3)}, tmp_path / "out").records
    assert record["status"] == "skipped" and record["reason_code"] == "unsupported_task"
    assert "3D" in record["reason"] and "2D" in record["reason"]


def test_label_fractions_use_the_fixed_subsets_of_splits_json(ingest_dir: Path, tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir, tasks=[{"task": "linear_probe"}], seeds=[42]))
    records = {r["fraction"]: r for r in run_suite(suite, {"toy": toy_encoder()}, tmp_path / "out").records}
    subsets = json.loads((ingest_dir / "splits.json").read_text())["label_fractions"]
    views = {s: 1 + int(s[1:]) % 2 for s in subsets["1"]}  # the fixture writes 1 + p % 2 views per study
    assert records[0.5]["metrics"]["n_train"] == sum(views[s] for s in subsets["0.5"])
    assert records[1.0]["metrics"]["n_train"] == sum(views.values())


def test_protocol_bump_reruns_and_reports_each_run_once(ingest_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Records of an older evaluation protocol are recomputed and then no longer reported."""
    from medvlp.benchmark import results, runner
    from medvlp.benchmark.results import latest_by_hash

    suite = load_suite(write_suite(tmp_path / "s.yaml", ingest_dir))
    out = tmp_path / "out"
    monkeypatch.setattr(results, "EVAL_PROTOCOL_VERSION", 1)
    monkeypatch.setattr(runner, "EVAL_PROTOCOL_VERSION", 1)
    assert run_suite(suite, {"toy": toy_encoder()}, out).ran == 4
    monkeypatch.setattr(results, "EVAL_PROTOCOL_VERSION", 2)
    monkeypatch.setattr(runner, "EVAL_PROTOCOL_VERSION", 2)
    assert run_suite(suite, {"toy": toy_encoder()}, out).ran == 4  # nothing cached across protocols
    records = read_records(out)
    assert len(records) == 8
    current = latest_by_hash(records)
    assert len(current) == 4 and {r["config"]["protocol"] for r in current} == {2}
