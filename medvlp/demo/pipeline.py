"""The demo pipeline: synth -> ingest -> pretrain (2D CXR, 3D CT) -> benchmark vs random twins ->
supervised CT baseline -> report.

Every stage is resumable (:mod:`medvlp.demo.stages`): a rerun reuses finished stages, and a changed
stage re-runs only itself and what depends on it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from medvlp.config import load_config, save_config
from medvlp.demo.config import DemoConfig
from medvlp.demo.stages import Stage, StageResult, run_stage
from medvlp.demo.supervised import supervised_stage
from medvlp.utils.logging import get_logger

log = get_logger(__name__)

# Only for the synthetic demo: real ingests must set MEDVLP_PSEUDONYM_SECRET(_FILE) (see docs/data_safety.md).
DEMO_SECRET = b"medvlp-demo-secret-not-for-real-data"
MODALITY_OF = {"cxr": "2d", "ct": "3d"}


def _secret() -> bytes:
    from medvlp.errors import MedVLPError
    from medvlp.io.deid import secret_from_env

    try:
        return secret_from_env()
    except MedVLPError:
        log.warning("no MEDVLP_PSEUDONYM_SECRET set: using the fixed demo secret (synthetic data only)")
        return DEMO_SECRET


def synth_stage(cfg: DemoConfig, data_dir: Path) -> Stage:
    def run() -> dict[str, Any]:
        from medvlp.data.synthetic import generate

        s = cfg.synth
        summary = generate(data_dir, s.n_cxr, s.n_ct, cfg.seed, cxr_size=s.cxr_size,
                           ct_shape=(s.ct_shape[0], s.ct_shape[1], s.ct_shape[2]), workers=cfg.workers)
        return {"n_cxr": summary.n_cxr, "n_ct": summary.n_ct, "n_files": summary.n_files}

    from medvlp.data.synthetic.params import GENERATOR_VERSION

    # The generator's version is part of the fingerprint: a new generator re-runs the stage (and all after it).
    return Stage("synth", {"synth": dataclasses.asdict(cfg.synth), "seed": cfg.seed,
                           "generator": GENERATOR_VERSION}, run)


def ingest_stage(cfg: DemoConfig, data_dir: Path, ingest_dir: Path, after: StageResult) -> Stage:
    from medvlp.ingest.config import IngestConfig

    ingest_cfg = load_config(IngestConfig, cfg.ingest_config, [f"workers={cfg.workers}"])

    def run() -> dict[str, Any]:
        from medvlp.ingest.pipeline import run_ingest
        from medvlp.ingest.summary import print_summary

        report = run_ingest(data_dir, ingest_dir, ingest_cfg, secret=_secret())
        save_config(ingest_cfg, ingest_dir / "ingest_config.yaml")
        print_summary(report.rows, report.n_samples, report.n_shards)
        statuses: dict[str, int] = {}
        for row in report.rows:
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        return {"n_samples": report.n_samples, "n_shards": report.n_shards, "statuses": statuses}

    from medvlp.ingest.pipeline import PIPELINE_VERSION

    return Stage("ingest", {"config": dataclasses.asdict(ingest_cfg), "pipeline": PIPELINE_VERSION}, run, [after])


def pretrain_stage(cfg: DemoConfig, which: str, ingest_dir: Path, run_dir: Path, after: StageResult) -> Stage:
    from medvlp.training.config import PretrainConfig

    path = getattr(cfg.pretrain, which)
    overrides = [f"data.root={ingest_dir}", f"run_dir={run_dir}", f"trainer.seed={cfg.seed}",
                 *cfg.pretrain_overrides]
    pre_cfg = load_config(PretrainConfig, path, overrides)  # config errors surface before any stage runs

    def run() -> dict[str, Any]:
        import lightning as L

        from medvlp.training.run import run_pretrain

        L.seed_everything(cfg.seed, workers=True)  # reproducible initial weights (application level)
        export = run_pretrain(pre_cfg)
        return {"export": str(export)}

    return Stage(f"pretrain_{which}", {"config": dataclasses.asdict(pre_cfg)}, run, [after])


def benchmark_stage(cfg: DemoConfig, ingest_dir: Path, bench_dir: Path, exports: dict[str, str],
                    after: list[StageResult]) -> Stage:
    def run() -> dict[str, Any]:
        from medvlp.benchmark.outputs import write_outputs
        from medvlp.benchmark.runner import run_suite
        from medvlp.benchmark.suite import load_suite
        from medvlp.evaluation.loaders import load_encoder

        os.environ["MEDVLP_SYNTH_INGEST"] = str(ingest_dir.resolve())  # the suite's ${MEDVLP_SYNTH_INGEST}
        suite = load_suite(cfg.suite, cfg.suite_overrides)
        counts = {"ran": 0, "cached": 0, "skipped": 0, "errors": 0}
        for which in ("cxr", "ct"):
            datasets = [d for d in suite.datasets if d.modality == MODALITY_OF[which]]
            if not datasets:
                continue
            sub = dataclasses.replace(suite, datasets=datasets, tasks=[
                t for t in suite.tasks if t.datasets is None or any(d.name in t.datasets for d in datasets)])
            models = {f"{which}-pretrained": load_encoder(exports[which]),
                      f"{which}-random": load_encoder(getattr(cfg.baselines, which))}
            summary = run_suite(sub, models, bench_dir)
            for key in counts:
                counts[key] += getattr(summary, key)
        write_outputs(bench_dir, suite.bootstrap.n_resamples)
        return counts

    return Stage("benchmark", {"suite": str(cfg.suite), "overrides": cfg.suite_overrides,
                               "baselines": dataclasses.asdict(cfg.baselines)}, run, after)


def run_demo(cfg: DemoConfig) -> Path:
    """Run (or resume) the whole demo under ``cfg.out``; return the path of ``report.md``."""
    from medvlp.demo.report import write_report

    out = Path(cfg.out)
    state = out / "state"
    data_dir, ingest_dir, bench_dir = out / "data", out / "ingest", out / "benchmark"
    out.mkdir(parents=True, exist_ok=True)
    save_config(cfg, out / "demo_config.yaml")
    results = [run_stage(synth_stage(cfg, data_dir), state)]
    results.append(run_stage(ingest_stage(cfg, data_dir, ingest_dir, results[0]), state))
    exports = {}
    for which in ("cxr", "ct"):
        res = run_stage(pretrain_stage(cfg, which, ingest_dir, out / "pretrain" / which, results[1]), state)
        exports[which] = res.summary["export"]
        results.append(res)
    supervised = supervised_stage(cfg, ingest_dir, out, results[1])  # built early: config errors first
    results.append(run_stage(benchmark_stage(cfg, ingest_dir, bench_dir, exports, results[1:]), state))
    if supervised is not None:
        results.append(run_stage(supervised, state))
    return write_report(out, results)
