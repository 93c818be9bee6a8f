"""Continuous position encoding of slices by their z coordinate in millimetres."""

from __future__ import annotations

import math

import torch
from torch import Tensor


def default_slice_positions(mask: Tensor) -> Tensor:
    """Positions ``[B, Z]`` in mm when none are given: slice index x 1 mm (a stated assumption)."""
    return torch.arange(mask.shape[1], device=mask.device, dtype=torch.float32).expand(mask.shape[0], -1)


def center_positions(positions: Tensor, mask: Tensor) -> Tensor:
    """Subtract each volume's mean real-slice position, so the table offset of a scan doesn't matter.

    positions ``[B, Z]`` mm, mask ``bool [B, Z]`` -> ``[B, Z]`` mm (padded entries set to 0).
    """
    positions = positions.float()
    weights = mask.float()
    center = (positions * weights).sum(1, keepdim=True) / weights.sum(1, keepdim=True).clamp_min(1.0)
    return torch.where(mask, positions - center, torch.zeros_like(positions))


def sinusoidal_mm(positions: Tensor, dim: int, min_period_mm: float = 2.0, max_period_mm: float = 2000.0) -> Tensor:
    """Sinusoids of z in mm: ``[B, Z]`` -> ``[B, Z, dim]``.

    Periods are geometric between ``min_period_mm`` and ``max_period_mm``: the encoding depends on
    physical distance only, so 1 mm and 5 mm reconstructions of the same anatomy get the same codes
    at the same heights, whatever the slice count.
    """
    half = dim // 2
    exponents = torch.arange(half, device=positions.device, dtype=torch.float32) / max(half - 1, 1)
    periods = min_period_mm * (max_period_mm / min_period_mm) ** exponents
    angles = positions.float().unsqueeze(-1) * (2 * math.pi / periods)
    encoding = torch.cat([angles.sin(), angles.cos()], dim=-1)
    if dim % 2:
        encoding = torch.cat([encoding, torch.zeros_like(encoding[..., :1])], dim=-1)
    return encoding
