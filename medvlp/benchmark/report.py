"""Tables from run records: one row per (model, task, dataset, fraction) with mean +- std over seeds,
the per-seed values, and the bootstrap interval of a single-seed run. Markdown and CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medvlp.benchmark.results import latest_by_hash
from medvlp.utils.files import atomic_write_text

HEADLINE = {  # the metric each task is ranked by
    "zeroshot": "macro_auroc", "linear_probe": "macro_auroc", "finetune": "macro_auroc",
    "segmentation": "dice", "retrieval": "image_to_text_R@5", "report_generation": "ce_micro_f1",
}
GROUP = ["model", "task", "dataset", "fraction"]
SEED_INVARIANT_NOTE = (
    "Seed-invariant tasks (zero-shot, retrieval, linear probe: frozen features, fixed nested label subsets, "
    "deterministic fits) run once and show no std over seeds: repeating them with other seeds would "
    "give identical numbers and a meaningless std of 0. Their uncertainty is the bootstrap CI.")


def headline_metric(task: str, metrics: dict[str, Any]) -> str:
    return HEADLINE.get(task) or next(iter(metrics), "")


def summary_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Aggregate ok records over seeds; skipped / failed runs are listed with their reason."""
    rows = []
    for r in latest_by_hash(records):
        metrics = r.get("metrics") or {}
        name = headline_metric(r["task"], metrics)
        ci = (r.get("ci") or {}).get(name) or [None, None]
        rows.append({**{k: r.get(k) for k in GROUP}, "seed": r.get("seed"), "status": r["status"],
                     "metric": name, "value": metrics.get(name), "ci_low": ci[0], "ci_high": ci[1],
                     "reason": r.get("reason", "")})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["fraction"] = frame["fraction"].fillna(-1.0)  # groupby drops NaN keys; -1 = not applicable
    out = []
    for key, grp in frame.groupby(GROUP, sort=True, dropna=False):
        ok = grp[grp.status == "ok"].sort_values("seed", na_position="first")
        values = ok["value"].astype(float).to_numpy()
        row = dict(zip(GROUP, key))
        row["metric"] = grp["metric"].iloc[0]
        row["n_ok"], row["n_runs"] = len(ok), len(grp)
        row["mean"] = float(np.mean(values)) if len(values) else None
        row["std"] = float(np.std(values, ddof=1)) if len(values) > 1 else None
        row["per_seed"] = "; ".join(f"{_seed(s)}: {v:.4f}" for s, v in zip(ok["seed"], values))
        if len(ok) and ok["seed"].isna().all():  # a seed-invariant task: one run, by design no std
            row["per_seed"] = "run once (seed-invariant)"
        first = grp[grp.status == "ok"]  # suite order: the first seed (42 in BenchX order)
        row["ci95"] = (f"[{first.ci_low.iloc[0]:.4f}, {first.ci_high.iloc[0]:.4f}] (seed {_seed(first.seed.iloc[0])})"
                       if len(first) and pd.notna(first.ci_low.iloc[0]) else "")
        row["skipped_reason"] = "; ".join(sorted(set(grp.loc[grp.status != "ok", "reason"].astype(str))))
        out.append(row)
    table = pd.DataFrame(out)
    table["fraction"] = table["fraction"].map(lambda f: "n/a" if f == -1.0 else f"{f:g}")
    return table


def _seed(seed: Any) -> str:
    return "-" if seed is None or pd.isna(seed) else str(int(seed))


def _fmt(row: pd.Series) -> str:
    if row["mean"] is None or pd.isna(row["mean"]):
        return "—"
    text = f"{row['mean']:.4f}"
    if row["std"] is not None and pd.notna(row["std"]):
        text += f" ± {row['std']:.4f}"
    return text


def write_tables(records: list[dict[str, Any]], out_dir: str | Path) -> pd.DataFrame:
    """Write ``summary.csv`` and ``summary.md`` into ``out_dir``; returns the table."""
    out = Path(out_dir)
    table = summary_table(records)
    atomic_write_text(out / "summary.csv", table.to_csv(index=False))
    lines = ["# Benchmark results", "",
             ("Mean ± std over seeds (per-seed values listed); 95% CI = patient-level bootstrap on test "
              "of the first seed's run. fraction n/a: task uses no training labels."), "",
             (f"{SEED_INVARIANT_NOTE}"), "",
             "| model | task | dataset | fraction | metric | mean ± std | 95% CI | per seed | runs ok | note |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for _, row in table.iterrows() if not table.empty else []:
        lines.append(f"| {row['model']} | {row['task']} | {row['dataset']} | {row['fraction']} | {row['metric']} "
                     f"| {_fmt(row)} | {row['ci95']} | {row['per_seed']} | {row['n_ok']}/{row['n_runs']} "
                     f"| {row['skipped_reason']} |")
    atomic_write_text(out / "summary.md", "\n".join(lines) + "\n")
    return table
