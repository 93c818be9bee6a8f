"""Model-side intensity preprocessing that the weight card describes (CT HU window -> [0, 1])."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from medvlp.errors import ConfigError


def window_hu(volume: Tensor, window: Sequence[float]) -> Tensor:
    """Clip Hounsfield units to ``[low, high]`` and map linearly to [0, 1]. Any shape."""
    low, high = float(window[0]), float(window[1])
    if not high > low:
        raise ConfigError(f"HU window must have high > low, got {list(window)}")
    return ((volume.float() - low) / (high - low)).clamp(0.0, 1.0)
