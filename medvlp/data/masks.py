"""Segmentation masks: rasterise bounding boxes into label masks (boxes are the only localisation
many datasets give). Lives in ``medvlp.data`` so ingest and evaluation share one rasteriser
(``medvlp.evaluation.segmentation.masks`` re-exports it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def boxes_to_mask(
    boxes: Sequence[Sequence[float]], shape: tuple[int, int], labels: Sequence[int] | None = None
) -> np.ndarray:
    """Boxes ``(x0, y0, x1, y1)`` in pixels (x = column) -> int64 mask ``[H, W]``.

    Pixels inside box ``i`` get ``labels[i]`` (default 1); 0 is background. A pixel is inside when its
    index lies in ``[floor(x0), ceil(x1)) x [floor(y0), ceil(y1))``; boxes are clipped to the image;
    later boxes overwrite earlier ones where they overlap.
    """
    height, width = shape
    mask = np.zeros((height, width), dtype=np.int64)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        c0, c1 = max(0, int(np.floor(x0))), min(width, int(np.ceil(x1)))
        r0, r1 = max(0, int(np.floor(y0))), min(height, int(np.ceil(y1)))
        if c1 > c0 and r1 > r0:
            mask[r0:r1, c0:c1] = 1 if labels is None else int(labels[i])
    return mask
