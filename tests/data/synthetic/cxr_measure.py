"""Image measurements for the signature tests, computed only from pixels written to disk."""

from __future__ import annotations

import numpy as np
import pydicom
from scipy import ndimage


def density(ds: pydicom.Dataset) -> np.ndarray:
    """Pixels in [0, 1] with bright = dense (MONOCHROME1 undone)."""
    top = (1 << int(ds.BitsStored)) - 1
    a = ds.pixel_array.astype(np.float64)
    return (top - a if ds.PhotometricInterpretation == "MONOCHROME1" else a) / top


def lung_mask(img: np.ndarray) -> np.ndarray:
    """Dark regions inside the body (air outside the body touches the border and is dropped)."""
    s = ndimage.gaussian_filter(img, 1.5)
    h, w = s.shape
    band = s[int(0.3 * h):int(0.8 * h)]
    threshold = (np.percentile(band, 5) + np.median(band[:, w // 2 - 3:w // 2 + 3])) / 2
    labels, n = ndimage.label(s < threshold)
    border = set(np.unique(np.concatenate([labels[:, 0], labels[:, -1]])).tolist())  # air beside the body
    sizes = ndimage.sum(np.ones_like(s), labels, range(1, n + 1))
    keep = [i + 1 for i in range(n) if i + 1 not in border and sizes[i] > 0.01 * h * w]
    return np.isin(labels, keep)


def cardiothoracic_ratio(img: np.ndarray) -> float:
    """Widest gap between the lungs above the diaphragm / widest lung-to-lung extent."""
    m = lung_mask(img)
    h, w = m.shape
    c = w // 2
    thorax = max((np.flatnonzero(r).max() - np.flatnonzero(r).min() for r in m if r[:c].any() and r[c:].any()),
                 default=0)
    # The right hemidiaphragm (image left) is the higher one, and the heart never covers the right
    # mid-lung: the right lung's lowest row there bounds the rows where both lungs flank the heart.
    mid_right = m[:, c - int(0.24 * h): c - int(0.2 * h)]
    dome = int(np.flatnonzero(mid_right.any(1)).max(initial=0))
    heart = 0
    for r in range(int(0.4 * h), dome - 1):
        cols = np.flatnonzero(m[r])
        left, right = cols[cols < c], cols[cols > c]
        if len(left) and len(right):
            heart = max(heart, int(right.min() - left.max()))
    return heart / max(thorax, 1)


def lung_base(img: np.ndarray, side: str) -> float:
    """Lowest lung row (fraction of height) in the lateral half of one hemithorax (image left = right)."""
    m = lung_mask(img)
    h, w = m.shape
    half = m[:, : w // 2] if side == "right" else m[:, w // 2:]
    cols = np.flatnonzero(half.any(0))
    if len(cols) == 0:
        return 0.0
    span = (cols.max() - cols.min()) // 2
    lateral = half[:, cols.min(): cols.min() + span] if side == "right" else half[:, cols.max() - span: cols.max() + 1]
    rows = np.flatnonzero(lateral.sum(1) > 2)
    return float(rows.max()) / h if len(rows) else 0.0


def apical_rim_intensity(img: np.ndarray, side: str) -> float:
    """Mean intensity of the outermost lung rim (3% of the height wide) in the upper lung of one side.

    A pneumothorax puts air without lung markings there, so the rim is darker than the other side's."""
    m = lung_mask(img)
    h, w = m.shape
    width = max(3, int(0.03 * h))
    values = []
    for r in range(int(0.15 * h), int(0.35 * h)):
        cols = np.flatnonzero(m[r, : w // 2]) if side == "right" else w // 2 + np.flatnonzero(m[r, w // 2:])
        if len(cols) >= width:
            rim = cols[:width] if side == "right" else cols[-width:]
            values.append(img[r, rim].mean())
    return float(np.mean(values)) if values else float("nan")
