"""Mask helpers: detection boxes -> label mask, and the SIIM-ACR Pneumothorax RLE codec.

SIIM RLE (the Kaggle challenge's ``mask_functions.py`` variant): pixels are numbered in
column-major order (down the first column, then the next), and the string alternates
``offset length`` pairs where each *offset* counts from the end of the previous run (from pixel 0
for the first run), not from the image start as in the usual Kaggle RLE. ``"-1"`` means no mask.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from preprocessing.errors import AnnotationFormatError

NO_MASK = "-1"
Box = Sequence[object]  # [x0, y0, x1, y1, label]


def boxes_to_mask(
    boxes: Sequence[Box], height: int, width: int, label_values: Mapping[str, int] | None = None
) -> np.ndarray:
    """Rasterise ``[x0, y0, x1, y1, label]`` boxes (pixels, x = column) into a ``uint8 [H, W]`` mask.

    A pixel is inside a box when its index lies in ``[floor(x0), ceil(x1))`` x ``[floor(y0), ceil(y1))``
    (clipped to the image), so a box never shrinks below the pixels it touches. Each box paints
    ``label_values[label]`` (default 1); later boxes overwrite earlier ones where they overlap.
    """
    mask = np.zeros((height, width), dtype=np.uint8)
    for box in boxes:
        if len(box) < 4:
            raise AnnotationFormatError(None, f"box {box!r} needs x0, y0, x1, y1")
        x0, y0, x1, y1 = (float(v) for v in box[:4])  # type: ignore[arg-type]
        if not all(map(math.isfinite, (x0, y0, x1, y1))) or x1 < x0 or y1 < y0:
            raise AnnotationFormatError(None, f"box {box!r} is not finite with x0 <= x1, y0 <= y1")
        label = str(box[4]) if len(box) > 4 else ""
        value = 1 if label_values is None else label_values[label]
        cols = slice(max(0, math.floor(x0)), min(width, math.ceil(x1)))
        rows = slice(max(0, math.floor(y0)), min(height, math.ceil(y1)))
        mask[rows, cols] = value
    return mask


def siim_rle_decode(rle: str, height: int, width: int) -> np.ndarray:
    """SIIM relative RLE -> ``uint8 [H, W]`` mask of 0/1 (``"-1"`` or empty -> all zeros)."""
    text = rle.strip()
    flat = np.zeros(height * width, dtype=np.uint8)
    if text in ("", NO_MASK):
        return flat.reshape(width, height).T.copy()
    try:
        numbers = [int(tok) for tok in text.split()]
    except ValueError as exc:
        raise AnnotationFormatError(None, f"RLE has a non-integer token: {exc}") from None
    if len(numbers) % 2 or any(n < 0 for n in numbers):
        raise AnnotationFormatError(None, "RLE must be non-negative offset/length pairs")
    position = 0
    for offset, length in zip(numbers[0::2], numbers[1::2]):
        position += offset
        if position + length > flat.size:
            raise AnnotationFormatError(None, f"RLE run ends at pixel {position + length} > {flat.size}")
        flat[position : position + length] = 1
        position += length
    return flat.reshape(width, height).T.copy()  # column-major pixel order


def siim_rle_encode(mask: np.ndarray) -> str:
    """``[H, W]`` mask (non-zero = inside) -> SIIM relative RLE; ``"-1"`` for an empty mask."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be [H, W], got shape {mask.shape}")
    flat = (mask.T.reshape(-1) != 0).astype(np.int8)
    edges = np.diff(np.concatenate(([0], flat, [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return NO_MASK
    offsets = starts - np.concatenate(([0], ends[:-1]))
    return " ".join(f"{o} {n}" for o, n in zip(offsets.tolist(), (ends - starts).tolist()))


def siim_rle_union(rles: Sequence[str], height: int, width: int) -> np.ndarray:
    """Union of the per-region RLE rows SIIM lists for one image -> ``uint8 [H, W]`` 0/1 mask."""
    mask = np.zeros((height, width), dtype=np.uint8)
    for rle in rles:
        mask |= siim_rle_decode(rle, height, width)
    return mask
