"""The source-manifest CSV: the contract between dataset adapters (``preprocessing/``) and ingest.

One row per study (or per image). Columns:

* ``image_path`` (required): path relative to the CSV's folder, or absolute; several separated by ``;``.
* ``report`` (text) or ``report_path`` (file, relative like image paths): at least one column exists.
* optional ``patient_id``, ``study_id``, ``accession_number``, ``split`` (official split:
  train/valid/test), ``view_position``.
* optional label columns named exactly as in a label set (``medvlp.knowledge.findings``); values
  ``1``, ``0``, ``-1`` or empty (not mentioned).

Unknown columns are an error (a typo in a label name must not silently drop a label), except
``x_``-prefixed dataset classes (kept in ``SourceRow.extras``) and the ``mask_path`` / ``boxes``
annotation columns (also in ``extras``; ``mask_path`` resolved like image paths): ingest carries the
mask, or the rasterised boxes, into the shards (``medvlp.ingest.masks``); they need exactly one
``image_path`` in the row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from medvlp import keys
from medvlp.errors import InputError
from medvlp.knowledge.findings import CHEXPERT, CT, LabelSet

IMAGE_PATH = "image_path"
REPORT = "report"
REPORT_PATH = "report_path"
OPTIONAL_COLUMNS = ("patient_id", "study_id", "accession_number", "split", "view_position")
EXTRA_PREFIX = "x_"  # dataset classes with no honest mapping onto a medvlp label set
ANNOTATION_COLUMNS = ("mask_path", "boxes")
PATH_SEPARATOR = ";"
LABEL_SETS: dict[str, LabelSet] = {CHEXPERT.name: CHEXPERT, CT.name: CT}


class SourceManifestError(InputError):
    """The source manifest CSV is malformed (missing/unknown column, bad label value, bad split)."""


@dataclass(frozen=True)
class SourceRow:
    """One parsed manifest row; paths are absolute."""

    row: int
    image_paths: tuple[Path, ...]
    report: str | None = None
    report_path: Path | None = None
    patient_id: str | None = None
    study_id: str | None = None
    accession_number: str | None = None
    split: str | None = None
    view_position: str | None = None
    labels: dict[str, float] = field(default_factory=dict)  # NaN = not mentioned
    # dataset-specific classes (``x_*``) and annotations (``mask_path``, ``boxes``) as the adapters wrote them
    extras: dict[str, str] = field(default_factory=dict)
    mask_path: Path | None = None  # resolved ``mask_path`` (a label PNG on the image's pixel grid)


def _label_value(text: str, where: str, path: Path) -> float:
    text = text.strip()
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError as exc:
        raise SourceManifestError(path, f"{where}: label value {text!r} is not 1/0/-1/empty") from exc
    if value not in (1.0, 0.0, -1.0):
        raise SourceManifestError(path, f"{where}: label value {text!r} is not 1/0/-1/empty")
    return value


def known_label_columns() -> set[str]:
    return {name for ls in LABEL_SETS.values() for name in ls.labels}


def _resolve(base: Path, text: str) -> Path:
    p = Path(text.strip())
    return p if p.is_absolute() else (base / p)


def read_source_manifest(path: str | Path) -> list[SourceRow]:
    """Parse and validate a source manifest CSV (UTF-8, header row)."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = list(reader.fieldnames or [])
            records = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceManifestError(path, f"cannot read CSV: {exc}") from exc
    if IMAGE_PATH not in columns:
        raise SourceManifestError(path, f"missing required column {IMAGE_PATH!r}")
    if REPORT not in columns and REPORT_PATH not in columns:
        raise SourceManifestError(path, f"needs a {REPORT!r} or {REPORT_PATH!r} column")
    label_cols = [c for c in columns if c in known_label_columns()]
    extra_cols = [c for c in columns if c.startswith(EXTRA_PREFIX) or c in ANNOTATION_COLUMNS]
    unknown = set(columns) - {IMAGE_PATH, REPORT, REPORT_PATH, *OPTIONAL_COLUMNS, *label_cols, *extra_cols}
    if unknown:
        raise SourceManifestError(path, f"unknown column(s) {sorted(unknown)}")
    base = path.parent
    rows = []
    for i, rec in enumerate(records):
        where = f"row {i + 2}"
        images = tuple(_resolve(base, p) for p in (rec[IMAGE_PATH] or "").split(PATH_SEPARATOR) if p.strip())
        if not images:
            raise SourceManifestError(path, f"{where}: empty {IMAGE_PATH}")
        split = (rec.get("split") or "").strip() or None
        if split is not None and split not in keys.SPLITS:
            raise SourceManifestError(path, f"{where}: split {split!r} not in {list(keys.SPLITS)}")
        opt = {c: ((rec.get(c) or "").strip() or None) for c in OPTIONAL_COLUMNS if c != "split"}
        report_path = (rec.get(REPORT_PATH) or "").strip()
        mask_path = (rec.get("mask_path") or "").strip()
        if (mask_path or (rec.get("boxes") or "").strip()) and len(images) != 1:
            raise SourceManifestError(path, f"{where}: mask_path/boxes need exactly one {IMAGE_PATH}")
        rows.append(
            SourceRow(
                row=i,
                image_paths=images,
                report=(rec.get(REPORT) or None),
                report_path=_resolve(base, report_path) if report_path else None,
                split=split,
                labels={c: _label_value(rec[c] or "", f"{where} column {c!r}", path) for c in label_cols},
                extras={c: rec[c] for c in extra_cols if (rec.get(c) or "").strip()},
                mask_path=_resolve(base, mask_path) if mask_path else None,
                **opt,
            )
        )
    return rows


def write_source_manifest(rows: list[dict[str, str]], path: str | Path) -> None:
    """Write manifest rows (plain dicts of column -> text) with a stable column order (for adapters)."""
    from medvlp.utils.files import atomic_open

    columns: list[str] = [IMAGE_PATH, REPORT, REPORT_PATH, *OPTIONAL_COLUMNS]
    present = {c for r in rows for c in r}
    extra = sorted(present - set(columns))
    columns = [c for c in columns if c in present] + extra
    with atomic_open(path, "w") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
