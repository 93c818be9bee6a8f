"""``medvlp convert INPUT OUTPUT_DIR``: DICOM folder -> one ``.nii.gz`` + JSON sidecar per volume."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from medvlp.io.dicom_volume import read_dicom_volumes
from medvlp.io.nifti import write_nifti
from medvlp.io.volume import Volume
from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger

NAME = "convert"
HELP = "Convert a DICOM folder tree to NIfTI volumes with JSON sidecars (like dcm2niix)."

log = get_logger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", type=Path, help="DICOM folder (nested folders, DICOMDIR, mixed files)")
    parser.add_argument("output_dir", type=Path, help="folder for <series>.nii.gz and <series>.json")
    parser.add_argument("--resample", type=float, nargs="+", metavar="MM", default=None,
                        help="resample to this spacing (one value or three); off by default")
    parser.add_argument("--tilt-correct", action="store_true", help="remove gantry-tilt shear")
    parser.add_argument("--include-derived", action="store_true",
                        help="also convert DERIVED images (e.g. perfusion maps); skipped by default")
    parser.add_argument("--float", action="store_true", help="store float32 instead of int16 + scaling")


def _stem(volume: Volume, index: int, used: set[str]) -> str:
    description = re.sub(r"[^A-Za-z0-9]+", "_", str(volume.metadata.get("series_description", ""))).strip("_")
    stem = f"{description or 'series'}_{volume.metadata.get('series_number', index)}"
    while stem in used:
        stem = f"{stem}_{index}"
    used.add(stem)
    return stem


def sidecar(volume: Volume, skipped: list[dict[str, str]]) -> dict[str, object]:
    """The JSON sidecar: what the volume is and what was left out of the conversion."""
    meta = volume.metadata
    return {
        "SeriesDescription": meta.get("series_description", ""), "Modality": meta.get("modality", ""),
        "SeriesNumber": meta.get("series_number"), "Shape": list(volume.array.shape),
        "Spacing": list(volume.spacing), "SliceCount": int(volume.array.shape[2]),
        "GantryTiltDegrees": meta.get("gantry_tilt_degrees", 0.0),
        "IrregularSpacing": bool(meta.get("irregular_spacing", False)),
        "MissingSlices": int(meta.get("missing_slices", 0)), "Notes": meta.get("notes", []),
        "Resampled": bool(meta.get("resampled", False)), "SkippedFiles": skipped,
    }


def _relative(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return Path(path).name


def run(args: argparse.Namespace) -> int:
    result = read_dicom_volumes(args.input, spacing=args.resample, tilt_correct=args.tilt_correct,
                                include_derived=args.include_derived)
    # paths relative to INPUT: folder names above it may carry identifiers
    skipped = [{"path": _relative(s.path, args.input), "code": s.code, "reason": s.reason}
               for s in result.skipped]
    for item in skipped:
        log.info("skipped %s: %s", item["path"], item["reason"])
    used: set[str] = set()
    for index, volume in enumerate(result.volumes):
        stem = _stem(volume, index, used)
        write_nifti(volume, args.output_dir / f"{stem}.nii.gz", integer=not args.float)
        atomic_write_text(args.output_dir / f"{stem}.json", json.dumps(sidecar(volume, skipped), indent=2))
        log.info("wrote %s %s", stem, volume.array.shape)
    if not result.volumes:
        log.error("no volume could be assembled from %s", args.input)
        return 1
    return 0
