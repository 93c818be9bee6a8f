"""The end-of-run summary: counts per status and reason, as a rich table (no identifiers)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table


def count_outcomes(rows: Sequence[dict[str, Any]]) -> Counter[tuple[str, str]]:
    return Counter((str(r["status"]), str(r.get("reason") or "")) for r in rows)


def summary_table(rows: Sequence[dict[str, Any]], n_samples: int, n_shards: int) -> Table:
    table = Table(title=f"ingest: {len(rows)} inputs -> {n_samples} samples in {n_shards} shards")
    table.add_column("status")
    table.add_column("reason")
    table.add_column("files", justify="right")
    for (status, reason), count in sorted(count_outcomes(rows).items()):
        table.add_row(status, reason or "-", str(count))
    return table


def print_summary(rows: Sequence[dict[str, Any]], n_samples: int, n_shards: int, console: Console | None = None) -> None:
    (console or Console()).print(summary_table(rows, n_samples, n_shards))
