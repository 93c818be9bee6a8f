"""Figure basics: PNG writing and the radiological display of axial CT slices.

Figures are plain ``matplotlib.figure.Figure`` objects rendered by the Agg canvas on save; pyplot's
global figure registry (and its interactive backends) is never touched, so nothing leaks and the
caller's backend (e.g. a notebook's inline one) stays as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """An Agg-backed figure of ``width`` x ``height`` inches with constrained layout."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> Path:
    """Write ``fig`` as PNG (parent folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, format="png")
    return path


def axial_display(volume: np.ndarray, z: int) -> np.ndarray:
    """Slice ``z`` of a RAS+ ``[X, Y, Z]`` volume as ``[rows, cols]`` in radiological view.

    Radiological view: patient's right on the viewer's left, anterior at the top.
    """
    return np.ascontiguousarray(volume[:, :, z].T[::-1, ::-1])
