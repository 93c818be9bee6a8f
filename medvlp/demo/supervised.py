"""The demo's supervised CT baseline stage: same image encoder, same steps, BCE on the report labels.

Trains ``cfg.supervised_ct`` (``configs/pretrain/ct_supervised_tiny_cpu.yaml``) on the demo ingest,
then scores the exported head on the suite's CT test split with the benchmark's metrics code and
writes ``<out>/supervised_ct/metrics.json`` (metrics, CIs, per-finding rows) for the report.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Any

from medvlp.config import load_config
from medvlp.demo.config import DemoConfig
from medvlp.demo.stages import Stage, StageResult
from medvlp.errors import ConfigError, InputError
from medvlp.utils.files import atomic_write_text

METRICS_FILE = "metrics.json"


def supervised_dir(out: Path) -> Path:
    return out / "supervised_ct"


def evaluate_supervised(cfg: DemoConfig, ingest_dir: Path, export: Path, out_file: Path) -> dict[str, Any]:
    """Head metrics on the suite's CT test split (windowed as the model card says), written to ``out_file``."""
    from medvlp.benchmark.runner import SplitStore
    from medvlp.benchmark.suite import load_suite
    from medvlp.evaluation.loaders import load_encoder
    from medvlp.evaluation.supervised_head import evaluate_head

    os.environ["MEDVLP_SYNTH_INGEST"] = str(ingest_dir.resolve())  # the suite's ${MEDVLP_SYNTH_INGEST}
    suite = load_suite(cfg.suite, cfg.suite_overrides)
    specs = [d for d in suite.datasets if d.modality == "3d"]
    if not specs:
        raise ConfigError(f"suite {cfg.suite}: no 3d dataset to evaluate the supervised CT head on")
    model = load_encoder(str(export))
    record: dict[str, Any] = {"dataset": specs[0].name, "status": "ok"}
    try:
        test = SplitStore().loader(specs[0], model)("test", None)
        output = evaluate_head(model, export, test, suite.bootstrap, seed=cfg.seed)
    except InputError as exc:  # e.g. a tiny test split with one class only: recorded, not fatal
        record.update(status="skipped", reason=str(exc), metrics={}, per_finding=[])
    else:
        record.update(metrics=output.metrics, ci=output.ci, per_finding=output.per_finding, notes=output.notes)
    atomic_write_text(out_file, json.dumps(record, indent=1, default=float))
    return record


def supervised_stage(cfg: DemoConfig, ingest_dir: Path, out: Path, after: StageResult) -> Stage | None:
    """The stage, or None when the demo config has no ``supervised_ct`` entry."""
    if cfg.supervised_ct is None:
        return None
    from medvlp.training.config import PretrainConfig

    run_dir = supervised_dir(out) / "run"
    overrides = [f"data.root={ingest_dir}", f"run_dir={run_dir}", f"trainer.seed={cfg.seed}",
                 *cfg.pretrain_overrides]
    pre_cfg = load_config(PretrainConfig, cfg.supervised_ct, overrides)  # config errors before any stage runs

    def run() -> dict[str, Any]:
        import lightning as L

        from medvlp.training.run import run_pretrain

        L.seed_everything(cfg.seed, workers=True)  # reproducible initial weights (application level)
        start = time.perf_counter()
        export = run_pretrain(pre_cfg)
        train_seconds = time.perf_counter() - start
        record = evaluate_supervised(cfg, ingest_dir, export, supervised_dir(out) / METRICS_FILE)
        return {"export": str(export), "train_seconds": round(train_seconds, 1),
                "macro_auroc": record["metrics"].get("macro_auroc")}

    return Stage("supervised_ct", {"config": dataclasses.asdict(pre_cfg), "suite": str(cfg.suite),
                                   "overrides": cfg.suite_overrides}, run, [after])
