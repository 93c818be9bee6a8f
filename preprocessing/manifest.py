"""The source manifest adapters produce: one row per study, the schema agreed with ``medvlp.ingest``.

Columns (contract with :mod:`medvlp.ingest.source_manifest`): ``image_path`` (relative to the
dataset root in memory, see :meth:`SourceManifest.to_csv`; ``;``-separated for multi-view studies),
``report`` or ``report_path``, ``patient_id``, ``study_id``, ``accession_number``, ``split``
(``train``/``valid``/``test`` or empty), ``view_position`` (``;``-separated like ``image_path``),
one column per label of the CheXpert or CT label set (1, 0, -1, empty = not stated), dataset
classes without an honest mapping as ``x_<class>`` columns, and ``mask_path`` / ``boxes`` (JSON
list of ``[x0, y0, x1, y1, label]``) for segmentation/detection sets.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd

from medvlp import keys
from medvlp.ingest.source_manifest import IMAGE_PATH, OPTIONAL_COLUMNS, PATH_SEPARATOR, REPORT, REPORT_PATH
from medvlp.knowledge.findings import LabelSet
from medvlp.utils.files import atomic_write_text

BASE_COLUMNS: tuple[str, ...] = (IMAGE_PATH, REPORT, REPORT_PATH, *OPTIONAL_COLUMNS)
PATH_COLUMNS: tuple[str, ...] = (IMAGE_PATH, REPORT_PATH, "mask_path")
ANNOTATION_COLUMNS: tuple[str, ...] = ("mask_path", "boxes")
EXTRA_PREFIX = "x_"
SPLITS: tuple[str, ...] = keys.SPLITS
VIEW_SEPARATOR = PATH_SEPARATOR


@dataclass(frozen=True)
class Skip:
    """A file or row left out of the manifest, with the reason (recorded, never silently dropped)."""

    path: str
    reason: str


@dataclass
class SourceManifest:
    """Rows of one dataset in the source-manifest schema plus the skips met while building them."""

    dataset: str
    label_set: LabelSet
    root: Path
    rows: pd.DataFrame  # paths relative to ``root``
    skipped: list[Skip] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def label_columns(self) -> list[str]:
        return list(self.label_set.labels)

    @property
    def extra_columns(self) -> list[str]:
        return [c for c in self.rows.columns if c.startswith(EXTRA_PREFIX)]

    def to_csv(self, path: str | PathLike[str], extras: bool = True) -> None:
        """Write the rows atomically (a crash leaves no partial CSV under ``path``).

        Ingest resolves relative paths against the CSV's folder, so paths stay root-relative only
        when the CSV is written into ``root``; elsewhere they are written absolute. ``extras=False``
        leaves out the ``x_`` class columns and ``mask_path``/``boxes`` (for readers that accept
        only the core contract columns).
        """
        rows = self.rows_for(Path(path).parent)
        if not extras:
            rows = rows.drop(columns=[*self.extra_columns, *(c for c in ANNOTATION_COLUMNS if c in rows)])
        atomic_write_text(path, rows.to_csv(index=False))

    def rows_for(self, csv_folder: Path) -> pd.DataFrame:
        """The rows with path columns made valid relative to ``csv_folder`` (see :meth:`to_csv`)."""
        root = self.root.resolve()
        if csv_folder.resolve() == root:
            return self.rows
        rows = self.rows.copy()
        for column in (c for c in PATH_COLUMNS if c in rows.columns):
            rows[column] = [_absolute(root, cell) for cell in rows[column]]
        return rows

    def skipped_to_csv(self, path: str | PathLike[str]) -> None:
        """Write the skips (``path``, ``reason``) atomically."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["path", "reason"])
        writer.writerows((s.path, s.reason) for s in self.skipped)
        atomic_write_text(path, buf.getvalue())


def _absolute(root: Path, cell: str) -> str:
    parts = [p for p in cell.split(PATH_SEPARATOR) if p]
    return PATH_SEPARATOR.join(str(root / p) for p in parts)  # an absolute p stays as it is


def read_manifest_csv(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a manifest written by :meth:`SourceManifest.to_csv` with every cell as text ('' = empty)."""
    return pd.read_csv(Path(path), dtype=str, keep_default_na=False)
