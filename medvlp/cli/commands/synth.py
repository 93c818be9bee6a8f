"""``medvlp synth``: write the synthetic dataset (radiographs, CT, reports, PHI ledger, ground truth)."""

from __future__ import annotations

import argparse
import os

NAME = "synth"
HELP = "Generate the deterministic synthetic dataset (DICOM/NIfTI + reports + ground truth)."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--n-cxr", type=int, default=200, help="number of radiograph studies")
    p.add_argument("--n-ct", type=int, default=20, help="number of CT studies")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cxr-size", type=int, default=256, help="radiograph rows (pixels)")
    p.add_argument("--ct-shape", type=int, nargs=3, default=(96, 96, 48), metavar=("X", "Y", "Z"))
    p.add_argument("--ct-spacing", type=float, nargs=3, default=(3.5, 3.5, 5.0), metavar=("DX", "DY", "DZ"))
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes")


def run(args: argparse.Namespace) -> int:
    from medvlp.data.synthetic import generate

    summary = generate(args.out, args.n_cxr, args.n_ct, args.seed, cxr_size=args.cxr_size,
                       ct_shape=tuple(args.ct_shape), ct_spacing=tuple(args.ct_spacing), workers=args.workers)
    print(f"wrote {summary.n_cxr} radiograph + {summary.n_ct} CT studies ({summary.n_files} files) to {args.out}")
    return 0
