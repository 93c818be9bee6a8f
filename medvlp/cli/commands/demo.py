"""``medvlp demo``: the main job, end to end on the embedded synthetic dataset (same as ``make demo``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

NAME = "demo"
HELP = "Synthesize data, ingest, pretrain 2D CXR + 3D CT models, benchmark vs random, write runs/demo/report.md."
DEFAULT_CONFIG = Path("configs/demo.yaml")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help=f"demo YAML (default: {DEFAULT_CONFIG} when present, else built-in defaults)")
    parser.add_argument("overrides", nargs="*", help="dotted overrides, e.g. synth.n_cxr=400 out=runs/small")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from medvlp.config import load_config
    from medvlp.demo.config import DemoConfig
    from medvlp.demo.pipeline import run_demo

    path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    cfg = load_config(DemoConfig, path, args.overrides)
    start = time.perf_counter()
    report = run_demo(cfg)
    console = Console()
    console.rule("medvlp demo finished")
    console.print(f"report: {report} (and {report.with_suffix('.html')}) in {time.perf_counter() - start:.0f} s")
    from medvlp.benchmark.results import read_records
    from medvlp.demo.report import headline_rows

    for row in headline_rows(read_records(Path(cfg.out) / "benchmark")):
        task, dataset, metric, value, ci, base, base_ci, separated = row
        console.print(f"  {task:<13} {dataset:<10} {metric:<20} pretrained {value} {ci}  random {base} {base_ci}"
                      f"  separated: {separated}")
    return 0
