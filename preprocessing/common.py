"""Helpers shared by the adapters: checked file/CSV access, file indexes, row -> manifest frame."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from medvlp.knowledge.findings import LabelSet
from preprocessing.errors import (
    AdapterInputError,
    AnnotationFormatError,
    DatasetLayoutError,
    MissingColumnsError,
)
from preprocessing.manifest import ANNOTATION_COLUMNS, BASE_COLUMNS, EXTRA_PREFIX, VIEW_SEPARATOR

Row = dict[str, object]


def require_dir(path: Path, what: str = "dataset root") -> Path:
    """``path`` if it is a directory, else a :class:`DatasetLayoutError` naming it."""
    if not path.is_dir():
        raise DatasetLayoutError(path, f"{what} does not exist or is not a directory")
    return path


def find_first(root: Path, candidates: Sequence[str], what: str) -> Path:
    """The first of ``candidates`` (relative to ``root``) that exists, e.g. ``x.csv`` or ``x.csv.gz``."""
    for rel in candidates:
        if (root / rel).is_file():
            return root / rel
    raise DatasetLayoutError(root / candidates[0], f"{what} not found (looked for {', '.join(candidates)})")


def read_table(path: Path, required: Iterable[str], **read_kw: object) -> pd.DataFrame:
    """Read a CSV as text cells ('' for empty), strip header whitespace, check ``required`` columns."""
    if not path.is_file():
        raise DatasetLayoutError(path, "file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, **read_kw)  # type: ignore[call-overload]
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
        raise AdapterInputError(path, f"unreadable table: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise MissingColumnsError(path, f"missing columns {missing} (has {list(frame.columns)})")
    return frame


def index_files(root: Path, suffixes: tuple[str, ...]) -> dict[str, str]:
    """File name -> path relative to ``root`` (posix) for every file ending in one of ``suffixes``.

    Datasets ship their images in varying sub-folders (NIH's ``images_001/images``, SIIM's
    study/series folders), while the label CSVs name files only, so adapters look names up here.
    The first path in sorted walk order wins when a name repeats.
    """
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.lower().endswith(suffixes) and name not in found:
                found[name] = Path(dirpath, name).relative_to(root).as_posix()
    return found


def slug(name: str) -> str:
    """``'Nodule/Mass'`` -> ``'nodule_mass'``, ``'ActiveTuberculosis'`` -> ``'active_tuberculosis'``."""
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name)
    return re.sub(r"[^0-9a-z]+", "_", words.lower()).strip("_")


def extra_column(name: str) -> str:
    """Column for a dataset class with no honest medvlp label: ``x_<slug>``."""
    return EXTRA_PREFIX + slug(name)


def cell_text(value: object) -> str:
    """Manifest cell text: labels as ``1``/``0``/``-1``, missing as ``''``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, int, float)):
        return str(int(value)) if float(value).is_integer() else str(value)
    return str(value)


def parse_label(text: object, source: Path | None = None) -> float | None:
    """A label cell as published (``'1.0'``, ``'-1'``, ``''``) -> 1/0/-1 or None (not stated)."""
    text = str(text).strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise AnnotationFormatError(source, f"label cell {text!r} is not a number") from None
    if not math.isnan(value) and value not in (1.0, 0.0, -1.0):
        raise AnnotationFormatError(source, f"label cell {text!r} is not 1, 0 or -1")
    return None if math.isnan(value) else value


def build_frame(rows: Sequence[Mapping[str, object]], label_set: LabelSet) -> pd.DataFrame:
    """Rows -> manifest frame with every schema column, all label columns, sorted ``x_`` columns."""
    known = {*BASE_COLUMNS, *label_set.labels, *ANNOTATION_COLUMNS}
    extras: set[str] = set()
    for row in rows:
        for key in row:
            if key.startswith(EXTRA_PREFIX):
                extras.add(key)
            elif key not in known:
                raise ValueError(f"adapter produced unknown column {key!r}")  # a bug, not bad input
    annotations = [c for c in ANNOTATION_COLUMNS if any(row.get(c) for row in rows)]
    columns = [*BASE_COLUMNS, *label_set.labels, *sorted(extras), *annotations]
    table = [[cell_text(row.get(c)) for c in columns] for row in rows]
    return pd.DataFrame(table, columns=columns, dtype=str)


@dataclass
class Study:
    """One manifest row under construction: study fields plus its views in order."""

    fields: Row
    images: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)

    def add(self, image: str, view: str = "") -> None:
        self.images.append(image)
        self.views.append(view)

    def row(self) -> Row:
        """The finished row; ``image_path``/``view_position`` joined with the view separator."""
        views = VIEW_SEPARATOR.join(self.views) if any(self.views) else ""
        return {**self.fields, "image_path": VIEW_SEPARATOR.join(self.images), "view_position": views}
