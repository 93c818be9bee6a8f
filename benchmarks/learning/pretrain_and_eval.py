"""One learning experiment: pretrain a config on an ingest folder, then zero-shot + linear probe on its test split.

    python benchmarks/learning/pretrain_and_eval.py NAME {cxr,ct} CONFIG --ingest DIR --out DIR [overrides ...]

Overrides are the pretrain config's dotted overrides (e.g. ``data.batch_size=64``). The evaluation is
the ``synthetic`` suite restricted to the modality's dataset, zero-shot and the 100 % linear probe
(seed 42); ``--eval-size`` changes the dataset's image size when the model was trained at another one.
Prints one ``RESULT`` JSON line (training seconds, macro and per-finding AUROC) and writes it to
``OUT/NAME/result.json``. Used for the figures in benchmarks/RESULTS.md ("Learning experiments").
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from pathlib import Path

from lightning.pytorch import seed_everything

from medvlp.benchmark.runner import run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.config import load_config
from medvlp.evaluation.loaders import load_encoder
from medvlp.training.config import PretrainConfig
from medvlp.training.run import run_pretrain

SUITE = Path(__file__).resolve().parents[1] / "suites" / "synthetic.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name")
    parser.add_argument("which", choices=["cxr", "ct"])
    parser.add_argument("config")
    parser.add_argument("overrides", nargs="*")
    parser.add_argument("--ingest", required=True, help="ingest output folder (shards/, splits.json)")
    parser.add_argument("--out", default="runs/learning")
    parser.add_argument("--eval-size", type=json.loads, default=None, help="e.g. [128,128]")
    args = parser.parse_args()

    out = Path(args.out) / args.name
    cfg = load_config(PretrainConfig, args.config,
                      [f"data.root={args.ingest}", f"run_dir={out}/pretrain", *args.overrides])
    seed_everything(cfg.trainer.seed, workers=True)  # as `medvlp pretrain` does (a script may seed globally)
    start = time.perf_counter()
    export = run_pretrain(cfg)
    train_s = time.perf_counter() - start

    os.environ["MEDVLP_SYNTH_INGEST"] = str(Path(args.ingest).resolve())
    suite = load_suite(SUITE, [])
    modality = "2d" if args.which == "cxr" else "3d"
    datasets = [d for d in suite.datasets if d.modality == modality]
    if args.eval_size:
        datasets = [dataclasses.replace(d, image_size=args.eval_size) for d in datasets]
    tasks = [t for t in suite.tasks if t.task in ("zeroshot", "linear_probe")]
    suite = dataclasses.replace(suite, datasets=datasets, tasks=tasks, fractions=[1.0], seeds=[42])
    summary = run_suite(suite, {args.name: load_encoder(str(export))}, out / "bench")
    result: dict[str, object] = {"train_s": round(train_s, 1)}
    for record in summary.records:
        per = {p["name"]: round(p["auroc"], 3) for p in record.get("per_finding", []) if p.get("auroc") is not None}
        result[record["task"]] = {"macro": round(record["metrics"]["macro_auroc"], 3), **per}
    print("RESULT", args.name, json.dumps(result))
    (out / "result.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
