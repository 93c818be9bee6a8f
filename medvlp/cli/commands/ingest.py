"""``medvlp ingest SOURCE OUT_DIR``: a PACS export -> de-identified, resumable, sharded training data."""

from __future__ import annotations

import argparse
from pathlib import Path

from medvlp.config import load_config, save_config

NAME = "ingest"
HELP = "Ingest DICOM/NIfTI/PNG exports with reports into de-identified WebDataset shards + manifest."
DEFAULT_CONFIG = Path(__file__).resolve().parents[3] / "configs" / "ingest" / "default.yaml"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="export folder (DICOM, NIfTI, PNG/JPEG, report.txt, reports.csv)")
    parser.add_argument("out_dir", type=Path, help="output folder (shards/, manifest.parquet, splits.json)")
    parser.add_argument("--config", type=Path, default=None, help="ingest YAML (default: built-in defaults)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (output identical for any N)")
    parser.add_argument("--dask", action="store_true", help="run the studies on Dask distributed")
    parser.add_argument("overrides", nargs="*", help="dotted overrides right after OUT_DIR, e.g. preprocess_2d.size=256")
    parser.add_argument("--set", dest="set_overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="a dotted override (repeatable; usable anywhere on the line)")


def run(args: argparse.Namespace) -> int:
    from medvlp.ingest.config import IngestConfig
    from medvlp.ingest.pipeline import run_ingest
    from medvlp.ingest.summary import print_summary

    overrides = [*args.overrides, *args.set_overrides]
    if args.workers is not None:
        overrides.append(f"workers={args.workers}")
    if args.dask:
        overrides.append("executor=dask")
    config_path = args.config if args.config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    cfg = load_config(IngestConfig, config_path, overrides)
    report = run_ingest(args.source, args.out_dir, cfg)
    save_config(cfg, args.out_dir / "ingest_config.yaml")
    print_summary(report.rows, report.n_samples, report.n_shards)
    return 0 if report.n_samples > 0 else 1
