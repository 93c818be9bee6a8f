"""The ingest manifest: one row per input file, written as Parquet and CSV with a fixed schema.

Columns: ``source_index`` (row number, inputs sorted by path), ``path`` (relative to the source or
hashed; never absolute), ``status`` (ok|skipped|error), ``reason``, ``modality``, ``patient_id`` and
``study_id`` (pseudonyms), ``split``, ``label_set``, ``labels`` (JSON name -> 1/0/-1/null), ``shard``
(file name), ``key`` (sample key in the shard), ``has_mask`` (image rows: whether the sample carries a
segmentation mask, ``<key>.mask.npy``; null for rows that are not images of a sample).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from medvlp.errors import InputError
from medvlp.utils.files import atomic_write_bytes

STATUSES = ("ok", "skipped", "error")
STRING_COLUMNS = (
    "path", "status", "reason", "modality", "patient_id", "study_id", "split", "label_set", "labels",
    "shard", "key",
)
SCHEMA = pa.schema([("source_index", pa.int64()), *[(c, pa.string()) for c in STRING_COLUMNS],
                    ("has_mask", pa.bool_())])
COLUMNS = tuple(SCHEMA.names)


def to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """Rows (dicts with any subset of the columns) -> an Arrow table with the fixed schema."""
    for r in rows:
        if r.get("status") not in STATUSES:
            raise ValueError(f"manifest row {r.get('path')!r}: bad status {r.get('status')!r}")
    return pa.table({c: [r.get(c) for r in rows] for c in COLUMNS}, schema=SCHEMA)


def parquet_bytes(table: pa.Table) -> bytes:
    # no statistics/page index variation: plain deterministic writer settings
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", use_dictionary=False, write_statistics=False)
    return buf.getvalue()


def csv_bytes(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pacsv.write_csv(table, buf)
    return buf.getvalue()


def write_manifest(rows: Sequence[dict[str, Any]], out_dir: str | Path) -> Path:
    """Write ``manifest.csv`` then ``manifest.parquet`` (the commit marker) atomically."""
    table = to_table(rows)
    out = Path(out_dir)
    atomic_write_bytes(out / "manifest.csv", csv_bytes(table))
    atomic_write_bytes(out / "manifest.parquet", parquet_bytes(table))
    return out / "manifest.parquet"


def read_manifest(path: str | Path) -> pa.Table:
    """Read a manifest Parquet file (or the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.parquet"
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(path, f"cannot read manifest: {exc}") from exc
