"""Walk SOURCE and classify every file; every file becomes exactly one manifest row."""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import os
from collections.abc import Sequence
from pathlib import Path

from medvlp.ingest.masks import MASK_SUFFIXES
from medvlp.ingest.tasks import FileKind, InputFile

NIFTI_SUFFIXES = (".nii", ".nii.gz")

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
TABLE_SUFFIXES = (".csv", ".jsonl")


def _has_dicom_magic(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:] == b"DICM"


def classify(path: Path, report_names: Sequence[str]) -> FileKind:
    """File kind from its name, and for unknown suffixes from the DICOM ``DICM`` marker."""
    name = path.name.lower()
    if name in {n.lower() for n in report_names}:
        return "report"
    if name in ("dicomdir", "dirfile"):  # DICOMDIR and Philips DIRFILE: indexes of the export
        return "other"  # an index of the export, not an image: recorded as skipped
    if name.endswith(MASK_SUFFIXES):  # segmentation masks (``1.mask.png`` beside ``1.dcm``)
        return "mask"
    if name.endswith(NIFTI_SUFFIXES):
        return "nifti"
    if name.endswith(RASTER_SUFFIXES):
        return "raster"
    if name.endswith(TABLE_SUFFIXES):
        return "table"
    if name.endswith((".dcm", ".dicom", ".ima")) or "." not in name or _has_dicom_magic(path):
        return "dicom"
    return "other"


def hashed_path(rel: str, secret: bytes) -> str:
    """A keyed, non-reversible stand-in for a path that may carry PHI (``record_paths: hashed``).

    Keyed with the pseudonym secret: guessable folder names (MRNs, dates) cannot be brute-forced.
    """
    suffix = "".join(Path(rel).suffixes[-2:])
    return "h-" + hmac.new(secret, rel.encode(), hashlib.sha256).hexdigest()[:20] + suffix


def walk_source(
    source: str | Path,
    report_names: Sequence[str],
    exclude: Sequence[str] = (),
    extra: Sequence[Path] = (),
) -> tuple[list[InputFile], dict[int, str]]:
    """All files under ``source`` (sorted, hidden files included) plus ``extra`` files outside it.

    Returns the inventory and ``{index: "excluded"}`` for files matching an ``exclude`` glob.
    """
    root = Path(source).resolve()
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in filenames:
            full = Path(dirpath) / name
            found[full.relative_to(root).as_posix()] = full
    missing: set[str] = set()
    extra_files = []
    for path in extra:  # named by a source manifest: a series folder stands for its files
        path = Path(path).resolve()
        extra_files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for path in extra_files:  # missing ones still get a row (error)
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else (
            "ext:" + hashlib.sha256(str(path).encode()).hexdigest()[:20])
        if not path.is_file():
            missing.add(rel)
        found.setdefault(rel, path)
    files, excluded = [], {}
    for i, rel in enumerate(sorted(found)):
        path = found[rel]
        kind: FileKind = "missing" if rel in missing else classify(path, report_names)
        files.append(InputFile(i, rel, str(path), kind))
        if any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in exclude):
            excluded[i] = "excluded"
    return files, excluded
