"""``medvlp benchmark`` end to end on the tiny ingest fixture."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from bench_fixtures import write_suite
from safetensors.torch import save_file

from medvlp.cli.main import main


def test_cli_runs_writes_outputs_and_reruns_from_cache(ingest_dir: Path, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.yaml", ingest_dir, tasks=[{"task": "zeroshot"}, {"task": "linear_probe"}],
                        fractions=[1.0], seeds=[42])
    out = tmp_path / "out"
    args = ["benchmark", "--suite", str(suite), "--model", "toy:2d", "--out", str(out)]
    assert main(args) == 0
    records = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert (out / "summary.md").is_file() and (out / "summary.csv").is_file()
    assert list((out / "plots").glob("roc_*.png"))
    assert main(args) == 0
    assert len((out / "results.jsonl").read_text().splitlines()) == 2  # cached, nothing appended


def test_cli_rejects_a_checkpoint_that_does_not_fit(ingest_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    save_file({"bogus": torch.zeros(1)}, str(bad))
    suite = write_suite(tmp_path / "s.yaml", ingest_dir)
    code = main(["benchmark", "--suite", str(suite), "--model", f"timm:test_resnet@{bad}",
                 "--out", str(tmp_path / "out")])
    assert code == 2 and not (tmp_path / "out" / "results.jsonl").exists()


def test_cli_unknown_suite_key(ingest_dir: Path, tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "s.yaml", ingest_dir, bootstrapp={})
    assert main(["benchmark", "--suite", str(suite), "--model", "toy:2d", "--out", str(tmp_path / "o")]) == 2
