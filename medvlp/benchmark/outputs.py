"""Everything written after a suite run: summary tables, paired model comparisons, plots."""

from __future__ import annotations

from pathlib import Path

from medvlp.benchmark.compare import compare_models
from medvlp.benchmark.plots import write_plots
from medvlp.benchmark.report import write_tables
from medvlp.benchmark.results import read_records


def write_outputs(out_dir: str | Path, n_resamples: int, compare: bool = True, plots: bool = True) -> None:
    """Tables (``summary.md/.csv``), paired comparisons (``comparisons.csv``) and the figures."""
    records = read_records(out_dir)
    write_tables(records, out_dir)
    if compare:
        compare_models(records, out_dir, n_resamples)
    if plots:
        write_plots(records, out_dir)
