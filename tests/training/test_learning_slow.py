"""It must learn (issue 7): synthetic data -> ingest -> tiny CPU pretraining (2 seeds) -> held-out evaluation.

Data sizes come from ``configs/demo.yaml``, the ingest from ``configs/ingest/demo.yaml``, the runs from
``configs/pretrain/cxr_tiny_cpu.yaml`` and ``ct_slicepool_tiny_cpu.yaml`` with ``trainer.seed`` 0 and 1,
the CT supervised baseline from ``ct_supervised_tiny_cpu.yaml``. The stages are the demo's own
(:mod:`medvlp.demo`), evaluation is the benchmark runner on the synthetic suite (zero-shot with the
shipped prompt sets, linear probe on frozen embeddings) on the test split never seen in training.
Targets, on the mean of the 2 seeds: CXR macro AUROC >= 0.80 and every finding >= 0.60; CT macro
>= 0.70; negation: pair scoring beats positive-only, the affirmed prompt beats its negated twin on
most positive studies; each training run <= 10 min. Every figure is printed (``pytest -s``).

Takes ~30-40 min on 2 cores. ``MEDVLP_LEARNING_DIR`` keeps the work folder (finished stages are
reused on a rerun). ``MEDVLP_LEARNING_SMOKE=1`` shrinks data and steps to prove the code path in a
few minutes: figures are printed and must be finite, the learning targets are not asserted.
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medvlp.config import load_config
from medvlp.demo.config import DemoConfig
from medvlp.demo.stages import StageResult, run_stage

REPO = Path(__file__).resolve().parents[2]
SEEDS = (0, 1)
MAX_TRAIN_SECONDS = 600.0
SMOKE = os.environ.get("MEDVLP_LEARNING_SMOKE") == "1"
SMOKE_OVERRIDES = ["synth.n_cxr=80", "synth.n_ct=24", "synth.cxr_size=128", "synth.ct_shape=[48, 48, 24]",
                   ("pretrain_overrides=[trainer.max_steps=4, trainer.val_check_interval=4, "
                    "trainer.checkpoint_every_n_steps=4, data.batch_size=4, trainer.progress_bar=false]"),
                   "suite_overrides=[bootstrap.n_resamples=20]"]


def demo_config(out: Path) -> DemoConfig:
    extra = SMOKE_OVERRIDES if SMOKE else []
    return load_config(DemoConfig, REPO / "configs" / "demo.yaml", [
        f"out={out}", f"ingest_config={REPO / 'configs/ingest/demo.yaml'}",
        f"pretrain.cxr={REPO / 'configs/pretrain/cxr_tiny_cpu.yaml'}",
        f"pretrain.ct={REPO / 'configs/pretrain/ct_slicepool_tiny_cpu.yaml'}",
        f"supervised_ct={REPO / 'configs/pretrain/ct_supervised_tiny_cpu.yaml'}",
        f"suite={REPO / 'benchmarks/suites/synthetic.yaml'}", "pretrain_overrides=[trainer.progress_bar=false]",
        *extra])


def evaluate(cfg: DemoConfig, ingest: Path, exports: dict[tuple[str, int], str], out: Path) -> list[dict[str, Any]]:
    """Zero-shot + linear probe (full labels, one probe seed) of every run on its modality's test split."""
    from medvlp.benchmark.results import latest_by_hash, read_records
    from medvlp.benchmark.runner import run_suite
    from medvlp.benchmark.suite import load_suite
    from medvlp.demo.pipeline import MODALITY_OF
    from medvlp.evaluation.loaders import load_encoder

    os.environ["MEDVLP_SYNTH_INGEST"] = str(ingest.resolve())
    suite = load_suite(cfg.suite, [*cfg.suite_overrides, "fractions=[1.0]", "seeds=[42]"])
    for (which, seed), export in exports.items():
        datasets = [d for d in suite.datasets if d.modality == MODALITY_OF[which]]
        tasks = [t for t in suite.tasks if t.task in ("zeroshot", "linear_probe")]
        sub = dataclasses.replace(suite, datasets=datasets, tasks=tasks)
        summary = run_suite(sub, {f"{which}-seed{seed}": load_encoder(export)}, out)
        assert summary.errors == 0, [r.get("reason") for r in summary.records if r["status"] == "error"]
    return [r for r in latest_by_hash(read_records(out)) if r["status"] == "ok"]


def metric(records: list[dict[str, Any]], which: str, task: str, name: str) -> list[float]:
    """``name`` of ``task`` for each seed's run of ``which`` (cxr / ct)."""
    values = [r["metrics"].get(name) for r in records if r["task"] == task and r["model"].startswith(f"{which}-seed")]
    return [float(v) for v in values if v is not None]


def per_finding_mean(records: list[dict[str, Any]], which: str, task: str) -> dict[str, float]:
    values: dict[str, list[float]] = {}
    for r in records:
        if r["task"] == task and r["model"].startswith(f"{which}-seed"):
            for row in r["per_finding"]:
                if row.get("auroc") is not None:
                    values.setdefault(str(row["name"]), []).append(float(row["auroc"]))
    return {name: float(np.mean(v)) for name, v in values.items()}


@pytest.mark.slow
def test_tiny_cpu_pretraining_learns(tmp_path: Path) -> None:
    from medvlp.demo.pipeline import ingest_stage, pretrain_stage, synth_stage
    from medvlp.demo.supervised import METRICS_FILE, supervised_dir, supervised_stage

    out = Path(os.environ.get("MEDVLP_LEARNING_DIR") or tmp_path)
    cfg = demo_config(out)
    state, data, ingest = out / "state", out / "data", out / "ingest"
    synth = run_stage(synth_stage(cfg, data), state)
    ingested = run_stage(ingest_stage(cfg, data, ingest, synth), state)
    exports: dict[tuple[str, int], str] = {}
    seconds: dict[str, float] = {}
    supervised: dict[int, float | None] = {}
    for seed in SEEDS:
        seeded = dataclasses.replace(cfg, seed=seed)
        for which in ("cxr", "ct"):
            stage = pretrain_stage(seeded, which, ingest, out / f"seed{seed}" / which, ingested)
            stage.name = f"{stage.name}_seed{seed}"
            res: StageResult = run_stage(stage, state)
            exports[(which, seed)], seconds[stage.name] = res.summary["export"], res.seconds
        sup = supervised_stage(seeded, ingest, out / f"seed{seed}", ingested)
        assert sup is not None
        sup.name = f"{sup.name}_seed{seed}"
        res = run_stage(sup, state)
        seconds[sup.name] = res.summary["train_seconds"]
        supervised[seed] = res.summary["macro_auroc"]
        assert (supervised_dir(out / f"seed{seed}") / METRICS_FILE).is_file()
    records = evaluate(cfg, ingest, exports, out / "benchmark")

    figures = {
        "cxr zero-shot macro AUROC": metric(records, "cxr", "zeroshot", "macro_auroc"),
        "ct zero-shot macro AUROC": metric(records, "ct", "zeroshot", "macro_auroc"),
        "cxr linear-probe macro AUROC": metric(records, "cxr", "linear_probe", "macro_auroc"),
        "ct linear-probe macro AUROC": metric(records, "ct", "linear_probe", "macro_auroc"),
        "ct supervised-head macro AUROC": [v for v in supervised.values() if v is not None],
    }
    for which in ("cxr", "ct"):
        for key in ("auroc_pair", "auroc_positive_only", "affirmed_above_negated_on_positives",
                    "negated_above_affirmed_on_negatives"):
            figures[f"{which} negation/{key}"] = metric(records, which, "zeroshot", f"negation/{key}")
    print("\n== it must learn: per seed", SEEDS, "and mean ==")
    for name, values in figures.items():
        print(f"{name:48s} {values}  mean={np.mean(values) if values else float('nan'):.4f}")
    cxr_findings = per_finding_mean(records, "cxr", "zeroshot")
    print("cxr zero-shot per finding (mean of seeds):", {k: round(v, 3) for k, v in cxr_findings.items()})
    print("ct zero-shot per finding (mean of seeds):",
          {k: round(v, 3) for k, v in per_finding_mean(records, "ct", "zeroshot").items()})
    print("training seconds:", {k: round(v, 1) for k, v in seconds.items()})

    for name, values in figures.items():
        assert len(values) == len(SEEDS) and all(math.isfinite(v) for v in values), name
    if SMOKE:
        return
    mean = {name: float(np.mean(values)) for name, values in figures.items()}
    assert mean["cxr zero-shot macro AUROC"] >= 0.80
    assert min(cxr_findings.values()) >= 0.60, cxr_findings
    assert mean["ct zero-shot macro AUROC"] >= 0.70
    for which in ("cxr", "ct"):
        assert mean[f"{which} negation/auroc_pair"] > mean[f"{which} negation/auroc_positive_only"]
        assert mean[f"{which} negation/affirmed_above_negated_on_positives"] > 0.5
    assert max(seconds.values()) <= MAX_TRAIN_SECONDS, seconds
