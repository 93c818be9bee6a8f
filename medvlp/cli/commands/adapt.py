"""``medvlp adapt DATASET ROOT OUT.csv [--split-file F]``: build a source manifest for a public dataset.

Adapters live in the top-level ``preprocessing`` package (imported lazily, so the rest of the CLI
works where it is not importable). Skipped files/rows go to ``OUT.skipped.csv``; SIIM-ACR masks are
decoded into ``OUT_masks/`` unless ``--mask-dir`` says otherwise.
"""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from medvlp.errors import ConfigError
from medvlp.utils.logging import get_logger

NAME = "adapt"
HELP = "Build a source-manifest CSV from a public dataset's on-disk layout (MIMIC-CXR, CheXpert, ...)."

log = get_logger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="adapter name (e.g. mimic_cxr, chexpert, nih_cxr14, ct_rate)")
    parser.add_argument("root", type=Path, help="dataset root folder as published")
    parser.add_argument("out", type=Path, help="output manifest CSV")
    parser.add_argument(
        "--split-file",
        type=Path,
        default=None,
        help="fixed split lists: a BenchX train/valid/test .txt file or folder "
        "(IU X-ray also takes R2Gen's annotation.json)",
    )
    parser.add_argument(
        "--mask-dir",
        type=Path,
        default=None,
        help="where adapters that decode masks (siim_pneumothorax) write them "
        "(default: OUT_masks/ beside OUT)",
    )
    parser.add_argument(
        "--no-extras",
        action="store_true",
        help="leave out x_* class columns and mask_path/boxes (ingest carries masks and rasterised boxes into the shards)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        from preprocessing import ADAPTERS
    except ImportError as exc:  # a checkout-level package, not installed with medvlp
        raise ConfigError(
            f"the 'preprocessing' adapters package is not importable ({exc}); run from the project checkout"
        ) from exc
    adapter = ADAPTERS.get(args.dataset)
    options = {}
    if "mask_dir" in inspect.signature(adapter).parameters:
        options["mask_dir"] = args.mask_dir or args.out.with_name(f"{args.out.stem}_masks")
    manifest = adapter(args.root, args.split_file, **options)
    manifest.to_csv(args.out, extras=not args.no_extras)
    skipped_csv = args.out.with_name(f"{args.out.stem}.skipped.csv")
    manifest.skipped_to_csv(skipped_csv)
    log.info(
        "%s: wrote %d rows to %s (%d skipped, see %s)",
        args.dataset,
        len(manifest),
        args.out,
        len(manifest.skipped),
        skipped_csv,
    )
    return 0
