"""End to end: the demo pipeline on a tiny synthetic dataset, then a rerun that reuses every stage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medvlp.config import load_config
from medvlp.demo.config import DemoConfig
from medvlp.demo.pipeline import run_demo

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoConfig, Path]:
    out = tmp_path_factory.mktemp("demo")
    cfg = load_config(DemoConfig, REPO / "configs" / "demo.yaml", [
        f"out={out}", "workers=1", "synth.n_cxr=60", "synth.n_ct=12", "synth.cxr_size=128",
        "synth.ct_shape=[48, 48, 24]",
        f"ingest_config={REPO / 'configs/ingest/demo.yaml'}",
        f"pretrain.cxr={REPO / 'configs/pretrain/cxr_tiny_cpu.yaml'}",
        f"pretrain.ct={REPO / 'configs/pretrain/ct_slicepool_tiny_cpu.yaml'}",
        f"supervised_ct={REPO / 'configs/pretrain/ct_supervised_tiny_cpu.yaml'}",
        f"suite={REPO / 'benchmarks/suites/synthetic.yaml'}",
        ("pretrain_overrides=[trainer.max_steps=3, trainer.val_check_interval=3, "
         "trainer.checkpoint_every_n_steps=3, data.batch_size=4, trainer.progress_bar=false]"),
        "suite_overrides=[bootstrap.n_resamples=20, 'seeds=[42]', 'fractions=[1.0]']",
    ])
    return cfg, run_demo(cfg)


def test_demo_writes_report_with_both_modalities(demo_run: tuple[DemoConfig, Path]) -> None:
    cfg, report = demo_run
    text = report.read_text()
    assert report == Path(cfg.out) / "report.md" and (Path(cfg.out) / "report.html").is_file()
    for stage in ("synth", "ingest", "pretrain_cxr", "pretrain_ct", "benchmark", "supervised_ct"):
        assert f"| {stage} |" in text
    assert "Pretrained vs random initialisation" in text
    records = [json.loads(line) for line in (Path(cfg.out) / "benchmark" / "results.jsonl").read_text().splitlines()]
    models = {r["model"] for r in records}
    assert models == {"cxr-pretrained", "cxr-random", "ct-pretrained", "ct-random"}
    # every model only meets datasets of its own dimensionality (no 2D-vs-3D skip records)
    assert all(r["dataset"].endswith("cxr") == r["model"].startswith("cxr") for r in records)
    assert any(r["status"] == "ok" and r["task"] == "zeroshot" for r in records)
    for which in ("cxr", "ct"):
        assert (Path(cfg.out) / "pretrain" / which / "export" / "card.json").is_file()
    supervised = json.loads((Path(cfg.out) / "supervised_ct" / "metrics.json").read_text())
    assert supervised["status"] in ("ok", "skipped") and "CT: contrastive vs supervised" in text
    assert (Path(cfg.out) / "supervised_ct" / "run" / "export" / "objective.safetensors").is_file()
    zeroshot = [r for r in records if r["status"] == "ok" and r["task"] == "zeroshot" and "pretrained" in r["model"]]
    assert all("negation/auroc_positive_only" in r["metrics"] for r in zeroshot)
    if zeroshot:
        assert "Is negation understood?" in text


def test_rerun_reuses_every_stage(demo_run: tuple[DemoConfig, Path]) -> None:
    cfg, report = demo_run
    before = (Path(cfg.out) / "benchmark" / "results.jsonl").read_text()
    run_demo(cfg)
    state = Path(cfg.out) / "state"
    assert len(list(state.glob("*.done.json"))) == 6
    assert (Path(cfg.out) / "benchmark" / "results.jsonl").read_text() == before  # nothing re-run
    stage_rows = [line for line in report.read_text().splitlines()
                  if line.startswith(("| synth |", "| ingest |", "| pretrain_", "| benchmark |", "| supervised_ct |"))]
    assert len(stage_rows) == 6 and all(row.split(" | ")[2] == "yes" for row in stage_rows)
