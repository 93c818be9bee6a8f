"""Several CT display windows as input channels, computed inside the model from one wide window.

Radiologists read a chest CT in several windows (lung, mediastinum, bone) because one window cannot
show a +100 HU lymph node and a -950 HU emphysematous hole at once: in the wide [-1000, 1000] HU window
that datasets and weight cards use, a node differs from fat by ~5 % of the intensity range. The
encoder receives that wide window in [0, 1] (lossless within it, float32) and re-windows it here into
one channel per display window, so data pipelines and weight cards stay single-window.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class MultiWindow(nn.Module):
    """``[B, 1, *spatial]`` in [0, 1] over ``input_window`` HU -> ``[B, K, *spatial]``, one per window.

    Channel k is ``clip((hu - low_k) / (high_k - low_k), 0, 1)`` with ``hu`` recovered from the input.
    """

    low: Tensor
    width: Tensor

    def __init__(self, windows: Sequence[Sequence[float]], input_window: Sequence[float]) -> None:
        super().__init__()
        if not windows:
            raise ValueError("MultiWindow needs at least one (low, high) HU window")
        pairs = [(float(w[0]), float(w[1])) for w in windows]
        if any(len(w) != 2 for w in windows) or any(high <= low for low, high in pairs):
            raise ValueError(f"windows must be (low, high) HU pairs with high > low, got {list(windows)}")
        if len(input_window) != 2 or input_window[1] <= input_window[0]:
            raise ValueError(f"input_window must be (low, high) HU with high > low, got {list(input_window)}")
        self.input_low, self.input_width = float(input_window[0]), float(input_window[1] - input_window[0])
        self.windows = pairs
        self.register_buffer("low", torch.tensor([p[0] for p in pairs]), persistent=False)
        self.register_buffer("width", torch.tensor([p[1] - p[0] for p in pairs]), persistent=False)

    @property
    def channels(self) -> int:
        return len(self.windows)

    def forward(self, images: Tensor) -> Tensor:
        if images.shape[1] != 1:
            raise ValueError(f"MultiWindow expects one input channel, got shape {tuple(images.shape)}")
        hu = images * self.input_width + self.input_low  # [B, 1, *spatial]
        shape = (1, -1) + (1,) * (images.ndim - 2)
        low = self.low.to(images.dtype).reshape(shape)
        width = self.width.to(images.dtype).reshape(shape)
        return ((hu - low) / width).clamp(0.0, 1.0)  # [B, K, *spatial]
