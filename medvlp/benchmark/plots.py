"""Figures from run records (matplotlib, Agg): ROC curves per finding, bar charts with confidence
intervals across models, label-efficiency curves. Every figure has a title, axis labels with units
and a legend, and is written as PNG."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

from medvlp.benchmark.report import headline_metric
from medvlp.benchmark.results import latest_by_hash


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _na(value: Any) -> str:
    return "n/a" if value is None else f"{value:g}"


def roc_figure(record: dict[str, Any], out_dir: Path) -> Path | None:
    """ROC curve of every finding with a defined AUROC for one run (from its saved predictions)."""
    if not record.get("predictions"):
        return None
    data = np.load(out_dir / record["predictions"], allow_pickle=False)
    fig, ax = plt.subplots(figsize=(6, 6))
    for k, name in enumerate(data["names"]):
        rows = data["valid"][:, k]
        t, s = data["targets"][rows, k], data["scores"][rows, k]
        if t.size and 0 < t.sum() < t.size:
            fpr, tpr, _ = roc_curve(t, s)
            ax.plot(fpr, tpr, lw=1, label=str(name))
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="chance")
    ax.set(xlabel="False positive rate (fraction)", ylabel="True positive rate (fraction)",
           title=f"ROC: {record['model']} / {record['task']} / {record['dataset']}\n"
                 f"label fraction={_na(record.get('fraction'))}, seed={_na(record.get('seed'))}")
    ax.legend(fontsize=6, loc="lower right")
    return _save(fig, out_dir / "plots" / f"roc_{record['config_hash']}.png")


def bar_figure(records: list[dict[str, Any]], task: str, dataset: str, out_dir: Path) -> Path | None:
    """Headline metric per model (full data, first seed) with its bootstrap 95% CI as error bars."""
    rows = [r for r in records if r["task"] == task and r["dataset"] == dataset and r["status"] == "ok"
            and r.get("fraction") in (None, 1.0)]
    if not rows:
        return None
    best: dict[str, dict[str, Any]] = {}
    for r in sorted(rows, key=lambda r: (r.get("seed") is None, r.get("seed") or 0)):
        best.setdefault(r["model"], r)
    models = sorted(best)
    metric = headline_metric(task, best[models[0]]["metrics"])
    values = np.array([best[m]["metrics"].get(metric) or np.nan for m in models], dtype=float)
    cis = [(best[m].get("ci") or {}).get(metric) or [None, None] for m in models]
    low = np.array([v - c[0] if c[0] is not None else 0 for v, c in zip(values, cis)])
    high = np.array([c[1] - v if c[1] is not None else 0 for v, c in zip(values, cis)])
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(models) + 2), 4))
    ax.bar(models, values, yerr=[low, high], capsize=4, color="tab:blue", label=f"{metric} (95% CI)")
    ax.set(xlabel="Model", ylabel=f"{metric} (0-1)", title=f"{task} on {dataset}\n{metric} with 95% bootstrap CI",
           ylim=(0, 1.05))
    ax.legend(loc="lower right")
    return _save(fig, out_dir / "plots" / f"bar_{task}_{dataset}.png")


def label_efficiency_figure(records: list[dict[str, Any]], task: str, dataset: str, out_dir: Path) -> Path | None:
    """Headline metric vs label fraction (log x), mean +- std over seeds, one line per model."""
    rows = [r for r in records if r["task"] == task and r["dataset"] == dataset and r["status"] == "ok"
            and r.get("fraction") is not None]
    if len({r["fraction"] for r in rows}) < 2:
        return None
    metric = headline_metric(task, rows[0]["metrics"])
    by_model: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["metrics"].get(metric) is not None:
            by_model[r["model"]][r["fraction"]].append(r["metrics"][metric])
    fig, ax = plt.subplots(figsize=(6, 4))
    for model, points in sorted(by_model.items()):
        fr = sorted(points)
        mean = [np.mean(points[f]) for f in fr]
        std = [np.std(points[f], ddof=1) if len(points[f]) > 1 else 0.0 for f in fr]
        ax.errorbar([100 * f for f in fr], mean, yerr=np.asarray(std, dtype=float), marker="o", capsize=3, label=model)
    ax.set_xscale("log")
    ax.set(xlabel="Training labels used (% of train, log scale)", ylabel=f"{metric} (0-1)",
           title=f"Label efficiency: {task} on {dataset}\n(mean ± std over seeds)")
    ax.legend(title="model")
    return _save(fig, out_dir / "plots" / f"label_efficiency_{task}_{dataset}.png")


def write_plots(records: list[dict[str, Any]], out_dir: str | Path, max_roc: int = 50) -> list[Path]:
    """Every figure the records support; ROC plots for up to ``max_roc`` runs (first seed / full data)."""
    out = Path(out_dir)
    latest = latest_by_hash(records)
    written: list[Path | None] = []
    first: dict[tuple[str, str, str], dict[str, Any]] = {}  # first seed in suite order, full data
    for r in latest:
        if r["status"] == "ok" and r.get("predictions") and r.get("fraction") in (None, 1.0):
            first.setdefault((r["model"], r["task"], r["dataset"]), r)
    for r in list(first.values())[:max_roc]:
        written.append(roc_figure(r, out))
    for task, dataset in sorted({(r["task"], r["dataset"]) for r in latest}):
        written.append(bar_figure(latest, task, dataset, out))
        written.append(label_efficiency_figure(latest, task, dataset, out))
    return [p for p in written if p is not None]
