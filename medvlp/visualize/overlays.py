"""Radiograph with a finding's patch-text similarity heatmap, and CT volume with slice attention."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from medvlp.visualize.figures import axial_display, new_figure


def radiograph_heatmap_figure(image: np.ndarray, heatmap: np.ndarray, finding: str,
                              probability: float | None = None, title: str = "") -> Figure:
    """Two panels: the radiograph ``[H, W]`` (in [0, 1]) and the same with ``heatmap`` ``[H, W]`` over it.

    The heatmap is the cosine similarity between each image region and the finding's positive
    prompt embedding (model-input pixel grid).
    """
    if image.shape != heatmap.shape:
        raise ValueError(f"image {image.shape} and heatmap {heatmap.shape} must have the same shape")
    fig = new_figure(9, 4.6)
    left, right = fig.subplots(1, 2)
    left.imshow(image, cmap="gray", vmin=0, vmax=1)
    left.set(title="Model input", xlabel="x (pixels)", ylabel="y (pixels)")
    right.imshow(image, cmap="gray", vmin=0, vmax=1)
    overlay = right.imshow(heatmap, cmap="jet", alpha=0.45)
    prob = "" if probability is None else f" (p = {probability:.2f})"
    right.set(title=f"{finding}{prob}: region-text similarity", xlabel="x (pixels)", ylabel="y (pixels)")
    fig.colorbar(overlay, ax=right, label="cosine similarity to the finding prompt", shrink=0.8)
    fig.suptitle(title or f"Zero-shot evidence for {finding}")
    return fig


def top_slices(attention: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` most attended slices, in slice order."""
    return sorted(np.argsort(-np.asarray(attention))[: max(1, k)].tolist())


def volume_attention_figure(volume: np.ndarray, attention: np.ndarray,
                            positions: Sequence[float] | np.ndarray | None = None,
                            similarity: np.ndarray | None = None, k: int = 3, title: str = "") -> Figure:
    """Slice-attention curve over the volume plus the ``k`` most attended axial slices.

    volume: ``[X, Y, Z]`` RAS+ windowed to [0, 1]; attention: ``[Z]`` pooling weights (sum 1);
    similarity: optional ``[Z]`` per-slice similarity to a finding prompt (second y axis).
    """
    depth = volume.shape[2]
    if len(attention) != depth:
        raise ValueError(f"attention has {len(attention)} entries for {depth} slices")
    x = np.asarray(positions, dtype=float) if positions is not None else np.arange(depth, dtype=float)
    xlabel = "slice position (mm, inferior -> superior)" if positions is not None else "slice index"
    picks = top_slices(attention, k)
    fig = new_figure(3.2 * max(len(picks), 2), 6.5)
    grid = fig.add_gridspec(2, len(picks))
    curve = fig.add_subplot(grid[0, :])
    curve.plot(x, attention, color="tab:blue", marker=".", label="slice attention")
    curve.scatter(x[picks], np.asarray(attention)[picks], color="tab:red", zorder=3, label="top slices")
    curve.set(xlabel=xlabel, ylabel="attention weight (sums to 1)", title="Slice attention of the pooler")
    handles, labels = curve.get_legend_handles_labels()
    if similarity is not None:
        twin = curve.twinx()
        (line,) = twin.plot(x, similarity, color="tab:orange", lw=1, label="similarity to finding prompt")
        twin.set_ylabel("cosine similarity")
        handles, labels = [*handles, line], [*labels, line.get_label()]
    curve.legend(handles, labels, loc="upper right", fontsize=8)
    for i, z in enumerate(picks):
        ax = fig.add_subplot(grid[1, i])
        ax.imshow(axial_display(volume, z), cmap="gray", vmin=0, vmax=1)
        ax.set(title=f"slice {z} ({x[z]:.0f} mm)" if positions is not None else f"slice {z}",
               xlabel="patient left ->", ylabel="<- posterior")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or "CT volume: where the model looked")
    return fig
