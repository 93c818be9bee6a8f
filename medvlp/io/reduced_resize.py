"""Resize a reduced-resolution decode onto the grid a full-resolution resize would produce.

``torch.nn.functional.interpolate(..., mode="bilinear", antialias=True)`` on the full image gives
output pixel ``j`` the triangle-weighted mean of the input pixels within ``s = H / h_out`` of its centre
``s * (j + 0.5)`` (edge coordinates). A reduced decode only holds every ``2**r``-th sample, and where
each sample sits depends on the codec: the JPEG 2000 5/3 and 9/7 low-pass band at level ``r`` is
centred on full-resolution pixel ``2**r * i``, a DCT-scaled JPEG pixel on the centre of its
``2**r``-pixel block. Plain ``interpolate`` on the reduced image would assume the block centre and shift
a J2K decode by ``(2**r - 1) / 2`` full pixels, so the same triangle weights are evaluated here at the
true sample positions instead (two small matrix products, ``[h_out, h] @ [h, w] @ [w, w_out]``).
"""

from __future__ import annotations

import numpy as np


def triangle_weights(n_out: int, full: int, n_reduced: int, step: int, first: float) -> np.ndarray:
    """Row-normalised weights ``[n_out, n_reduced]`` mapping reduced samples to ``n_out`` output pixels.

    ``full``: full-resolution length; samples sit at edge coordinate ``first + step * i``.
    """
    support = max(full / n_out, 1.0)
    centres = (full / n_out) * (np.arange(n_out) + 0.5)
    positions = first + step * np.arange(n_reduced)
    weights = np.clip(1.0 - np.abs(positions[None, :] - centres[:, None]) / support, 0.0, None)
    totals = weights.sum(axis=1, keepdims=True)
    if np.any(totals == 0):  # a sample gap wider than the filter (cannot happen for step <= support)
        nearest = np.abs(positions[None, :] - centres[:, None]).argmin(axis=1)
        weights[totals[:, 0] == 0, nearest[totals[:, 0] == 0]] = 1.0
        totals = weights.sum(axis=1, keepdims=True)
    return (weights / totals).astype(np.float32)


def resize_reduced(image: np.ndarray, full_shape: tuple[int, int], out_shape: tuple[int, int], step: int,
                   centred: bool) -> np.ndarray:
    """Reduced image ``[h, w]`` (every ``step``-th sample of ``full_shape``) -> float32 ``out_shape``.

    ``centred``: samples sit at block centres (DCT scaling); otherwise on pixel ``step * i`` (J2K).
    """
    first = step / 2.0 if centred else 0.5
    wy = triangle_weights(out_shape[0], full_shape[0], image.shape[0], step, first)
    wx = triangle_weights(out_shape[1], full_shape[1], image.shape[1], step, first)
    return wy @ image.astype(np.float32, copy=False) @ wx.T
