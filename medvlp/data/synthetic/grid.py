"""Vectorised drawing primitives shared by the 2D and 3D phantoms (no per-pixel loops)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def soft_inside(signed_distance: np.ndarray, edge: float) -> np.ndarray:
    """1 inside (distance < 0), 0 outside, linear ramp of width ``edge`` (same units) across the border."""
    return np.clip(0.5 - signed_distance / max(edge, 1e-6), 0.0, 1.0).astype(np.float32)


def ellipse_radius(coords: tuple[np.ndarray, ...], center: tuple[float, ...], half_axes: tuple[float, ...]) -> np.ndarray:
    """Normalised radius sqrt(sum(((c - c0) / a)^2)): < 1 inside the ellipse/ellipsoid."""
    total: np.ndarray = np.zeros(np.broadcast_shapes(*(c.shape for c in coords)), dtype=np.float32)
    for c, c0, a in zip(coords, center, half_axes):
        total = total + ((c - c0) / a) ** 2
    return np.sqrt(total)


def ellipse(coords: tuple[np.ndarray, ...], center: tuple[float, ...], half_axes: tuple[float, ...],
            edge: float) -> np.ndarray:
    """Soft-edged ellipse mask; ``edge`` is in the units of the first half-axis."""
    r = ellipse_radius(coords, center, half_axes)
    return soft_inside((r - 1.0) * half_axes[0], edge)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, ...], cells: int) -> np.ndarray:
    """Band-limited noise with ~``cells`` blobs across each axis, zero mean and unit std."""
    coarse_shape = tuple(max(2, min(cells, s)) for s in shape)
    coarse = rng.standard_normal(coarse_shape).astype(np.float32)
    zoom = [s / c for s, c in zip(shape, coarse_shape)]
    fine = ndimage.zoom(coarse, zoom, order=1, mode="reflect", grid_mode=True)[tuple(slice(0, s) for s in shape)]
    fine = fine - fine.mean()
    return (fine / (fine.std() + 1e-6)).astype(np.float32)


def draw_polyline(shape: tuple[int, int], rows: np.ndarray, cols: np.ndarray, width_px: float) -> np.ndarray:
    """A soft line of ~``width_px`` through the (dense) points ``rows``/``cols``: [H, W] in [0, 1]."""
    canvas = np.zeros(shape, dtype=np.float32)
    r = np.clip(np.round(rows).astype(int), 0, shape[0] - 1)
    c = np.clip(np.round(cols).astype(int), 0, shape[1] - 1)
    canvas[r, c] = 1.0
    if width_px > 1.5:
        canvas = ndimage.maximum_filter(canvas, size=round(width_px))
    canvas = ndimage.gaussian_filter(canvas, 0.6)
    return np.clip(canvas / max(float(canvas.max()), 1e-6), 0.0, 1.0)


def curve_points(control: np.ndarray, n: int = 600) -> np.ndarray:
    """Dense points on the piecewise-linear path through ``control`` ([K, 2]) -> [n, 2]."""
    seg = np.linalg.norm(np.diff(control, axis=0), axis=1)
    t = np.concatenate([[0.0], np.cumsum(seg)])
    s = np.linspace(0.0, t[-1], n)
    return np.stack([np.interp(s, t, control[:, 0]), np.interp(s, t, control[:, 1])], axis=1)
