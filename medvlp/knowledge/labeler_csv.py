"""CheXpert-labeler file format: reports CSV in (no header, one report per row), labels CSV out.

Reading never fails the whole file: undecodable bytes, empty rows and oversized cells become
per-row errors, and a CSV with broken quoting falls back to one report per physical line, so the
output always has one row per input report.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from medvlp.knowledge.findings import get_label_set
from medvlp.knowledge.labeler import ReportLabels
from medvlp.utils.files import atomic_open
from medvlp.utils.logging import get_logger

log = get_logger(__name__)
REPORTS_COLUMN = "Reports"
csv.field_size_limit(64 * 1024 * 1024)  # a runaway cell must become a row error, not a csv.Error


@dataclass(frozen=True)
class ReportRow:
    """One input report: its text (possibly invalid, checked by the labeler) and where it came from."""

    text: str
    source: str


def _rows_from_csv(text: str) -> list[str] | None:
    """Rows parsed as CSV, or ``None`` when the quoting is broken."""
    try:
        rows = list(csv.reader(StringIO(text, newline=""), strict=True))
    except csv.Error:
        return None
    # Unquoted commas split a report into several fields: join them back.
    return [",".join(fields) for fields in rows]


def _rows_from_lines(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
            stripped = stripped[1:-1].replace('""', '"')
        out.append(stripped)
    return out


def read_reports_csv(path: str | Path) -> list[ReportRow]:
    """Reports of a CheXpert-style input CSV (no header, one report per row)."""
    data = Path(path).read_bytes()
    # surrogateescape keeps undecodable bytes as markers, so only the rows containing them fail.
    text = data.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    rows = _rows_from_csv(text)
    if rows is None:
        log.warning("%s: broken CSV quoting; reading one report per line", path)
        rows = _rows_from_lines(text)
    while rows and not rows[-1].strip():  # a trailing newline is not a report
        rows.pop()
    return [ReportRow(t, f"{path}:{i + 1}") for i, t in enumerate(rows)]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def write_labels_csv(path: str | Path, rows: Sequence[ReportRow], labels: Sequence[ReportLabels],
                     label_set: str = "chexpert", with_laterality: bool = False) -> None:
    """Write the CheXpert output format (``Reports`` + one column per label, 1.0/0.0/-1.0/blank)."""
    names = get_label_set(label_set)
    header = [REPORTS_COLUMN, *names.labels]
    sided = [n for n in names.labels if n in names.sided]
    if with_laterality:
        header += [f"{n} Laterality" for n in sided]
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row, result in zip(rows, labels, strict=True):
            text = row.text.encode("utf-8", errors="replace").decode("utf-8") if result.error is None else ""
            line = [text, *(_fmt(result.values.get(n)) for n in names.labels)]
            if with_laterality:
                line += [result.laterality.get(n) or "" for n in sided]
            writer.writerow(line)


def write_errors_csv(path: str | Path, rows: Sequence[ReportRow], labels: Sequence[ReportLabels]) -> int:
    """Write ``source,reason`` for every row that could not be labelled; returns how many."""
    bad = [(r.source, lab.error) for r, lab in zip(rows, labels, strict=True) if lab.error]
    with atomic_open(path, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source", "reason"])
        writer.writerows(bad)
    return len(bad)

