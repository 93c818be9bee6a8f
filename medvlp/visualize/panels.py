"""Sample radiographs with their de-identified reports, and ROC curves per finding from raw scores."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score, roc_curve

from medvlp.visualize.figures import new_figure


def sample_reports_figure(images: Sequence[np.ndarray], reports: Sequence[str], titles: Sequence[str],
                          width: int = 48, max_lines: int = 14, title: str = "",
                          deidentify: bool = True) -> Figure:
    """One column per sample: the radiograph ``[H, W]`` in [0, 1] above its report.

    Reports go through text de-identification first (``deidentify=True``, the default), so a figure
    made from raw reports never shows the identifiers they may hold.
    """
    if not (len(images) == len(reports) == len(titles)) or not images:
        raise ValueError("need the same non-zero number of images, reports and titles")
    if deidentify:
        from medvlp.text.deid import deidentify as redact

        reports = [redact(r).text for r in reports]
    fig = new_figure(3.6 * len(images), 6.5)
    axes = fig.subplots(2, len(images), squeeze=False, height_ratios=[1, 1])
    for col, (image, report, name) in enumerate(zip(images, reports, titles, strict=True)):
        axes[0, col].imshow(image, cmap="gray", vmin=0, vmax=1)
        axes[0, col].set(title=name, xlabel="x (pixels)", ylabel="y (pixels)")
        lines = textwrap.wrap(" ".join(report.split()), width)
        text = "\n".join(lines[:max_lines] + (["..."] if len(lines) > max_lines else []))
        axes[1, col].text(0.0, 1.0, text, va="top", ha="left", family="monospace", fontsize=7)
        axes[1, col].set_title("report (de-identified)", fontsize=9)
        axes[1, col].axis("off")
    fig.suptitle(title or "Sample radiographs with their reports")
    return fig


def roc_curves_figure(targets: np.ndarray, scores: np.ndarray, names: Sequence[str],
                      title: str = "") -> Figure:
    """ROC curve per finding from ``targets`` ``[N, K]`` (1/0, NaN or -1 = unknown) and ``scores`` ``[N, K]``.

    Findings with only one class among the known targets are listed as "not defined".
    (For benchmark run records use ``medvlp.benchmark.plots.roc_figure`` instead.)
    """
    targets, scores = np.asarray(targets, dtype=float), np.asarray(scores, dtype=float)
    fig = new_figure(6, 6)
    ax = fig.subplots()
    for k, name in enumerate(names):
        known = np.isin(targets[:, k], (0.0, 1.0))
        t, s = targets[known, k], scores[known, k]
        if t.size and 0 < t.sum() < t.size:
            fpr, tpr, _ = roc_curve(t, s)
            ax.plot(fpr, tpr, lw=1.2, label=f"{name} (AUROC {roc_auc_score(t, s):.2f}, n={t.size})")
        else:
            ax.plot([], [], " ", label=f"{name}: not defined (one class)")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="chance")
    ax.set(xlabel="False positive rate (fraction)", ylabel="True positive rate (fraction)",
           xlim=(0, 1), ylim=(0, 1.01), title=title or "Zero-shot ROC per finding")
    ax.legend(fontsize=7, loc="lower right")
    return fig
