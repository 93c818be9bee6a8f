"""Report tables (CSV or JSONL) keyed by accession number, study UID or study folder key."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from medvlp.errors import InputError

KEY_COLUMNS = ("accession_number", "study_instance_uid", "study_key")


class ReportTableError(InputError):
    """A report table without a ``report`` column or any key column, or unreadable."""


@dataclass
class ReportTable:
    """``by[key_column][value] -> report text``."""

    by: dict[str, dict[str, str]] = field(default_factory=lambda: {k: {} for k in KEY_COLUMNS})

    def lookup(self, accession: str = "", study_uid: str = "", study_key: str = "") -> str | None:
        for column, value in zip(KEY_COLUMNS, (accession, study_uid, study_key)):
            if value and value in self.by[column]:
                return self.by[column][value]
        return None

    def add(self, records: list[dict[str, object]], path: Path) -> None:
        if records and "report" not in records[0]:
            raise ReportTableError(path, "no 'report' column")
        if records and not any(k in records[0] for k in KEY_COLUMNS):
            raise ReportTableError(path, f"needs one of the key columns {list(KEY_COLUMNS)}")
        for rec in records:
            for column in KEY_COLUMNS:
                value = str(rec.get(column) or "").strip()
                if value:
                    self.by[column][value] = str(rec.get("report") or "")


def is_report_table(path: Path) -> bool:
    """True when the file's header names a ``report`` column and a key column."""
    try:
        with open(path, encoding="utf-8") as fh:
            first = fh.readline()
    except (OSError, UnicodeDecodeError):
        return False
    if path.suffix == ".jsonl":
        try:
            names = set(json.loads(first))
        except (ValueError, TypeError):
            return False
    else:
        names = {c.strip() for c in next(csv.reader([first]), [])}
    return "report" in names and bool(names & set(KEY_COLUMNS))


def load_report_table(path: str | Path, table: ReportTable | None = None) -> ReportTable:
    path = Path(path)
    table = table or ReportTable()
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            if path.suffix == ".jsonl":
                records = [json.loads(line) for line in fh if line.strip()]
            else:
                records = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as exc:
        raise ReportTableError(path, f"cannot read report table: {type(exc).__name__}") from exc
    table.add(records, path)
    return table
