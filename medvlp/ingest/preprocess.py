"""Deterministic ingest-time preprocessing (never random augmentation).

2D: grey values -> [0, 1] by the reader's value range, longest side resized to ``size`` (aspect
kept), centred zero padding to ``size x size``, stored uint8/uint16.
3D: MONAI Orientation (RAS) and Spacing to the configured mm, HU clipped, stored int16, with the
slice positions (mm along the slice normal) of the resampled grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from monai.transforms import Orientation, Resize, Spacing, SpatialPad

from medvlp.errors import InputError
from medvlp.ingest.config import Preprocess2D, Preprocess3D
from medvlp.io.radiograph import Radiograph
from medvlp.io.volume import Volume

_MAX = {"uint8": 255, "uint16": 65535}


class PreprocessError(InputError):
    """An image that cannot be preprocessed (multi-frame radiograph, flat image, degenerate volume)."""


@dataclass
class Preprocessed:
    """Stored pixels plus the geometry recorded in the sample JSON."""

    pixels: np.ndarray
    spacing: list[float]
    affine: list[list[float]] | None = None
    slice_positions: list[float] | None = None
    mask: np.ndarray | None = None  # uint8 label mask on the stored grid (2D), set by ingest when given


def preprocess_radiograph(image: Radiograph, cfg: Preprocess2D) -> Preprocessed:
    """``[H, W]`` float pixels -> ``uint [size, size]`` (bright = dense, aspect kept, padded)."""
    pixels = np.asarray(image.pixels, dtype=np.float32)
    if pixels.ndim != 2:
        raise PreprocessError(image.path, f"expected a single-frame [H, W] radiograph, got {pixels.shape}")
    lo, hi = image.meta.value_range
    if not hi > lo:
        lo, hi = float(pixels.min()), float(pixels.max())
    if not hi > lo:
        raise PreprocessError(image.path, "flat image (no grey-value range)")
    unit = np.clip((pixels - lo) / (hi - lo), 0.0, 1.0)
    resized = Resize(spatial_size=cfg.size, size_mode="longest", mode="area")(torch.from_numpy(unit)[None])
    padded = SpatialPad(spatial_size=(cfg.size, cfg.size), method="symmetric")(resized)
    out = np.asarray(padded[0].numpy() if hasattr(padded, "numpy") else padded[0])
    h, w = pixels.shape
    scale = max(h, w) / cfg.size
    spacing = [float(s) * scale for s in image.meta.pixel_spacing] if image.meta.pixel_spacing else [scale, scale]
    stored = np.rint(np.clip(out, 0.0, 1.0) * _MAX[cfg.dtype]).astype(cfg.dtype)
    return Preprocessed(stored, spacing)


def preprocess_mask(mask: np.ndarray, cfg: Preprocess2D, source: str) -> np.ndarray:
    """Label mask ``uint8 [H, W]`` on the radiograph's original grid -> ``uint8 [size, size]`` with the
    exact geometry of :func:`preprocess_radiograph` (longest side to ``size``, centred padding), but
    nearest-neighbour resampling so labels never blend."""
    if mask.ndim != 2 or min(mask.shape) < 1:
        raise PreprocessError(source, f"expected a [H, W] mask, got {mask.shape}")
    labels = torch.from_numpy(mask.astype(np.float32))[None]
    resized = Resize(spatial_size=cfg.size, size_mode="longest", mode="nearest-exact")(labels)
    padded = SpatialPad(spatial_size=(cfg.size, cfg.size), method="symmetric")(resized)
    out = np.asarray(padded[0].numpy() if hasattr(padded, "numpy") else padded[0])
    return np.rint(out).astype(np.uint8)


def preprocess_volume(volume: Volume, cfg: Preprocess3D, source: str) -> Preprocessed:
    """Volume in HU -> ``int16 [X, Y, Z]`` RAS+ at ``cfg.spacing`` mm, HU clipped."""
    if volume.array.ndim != 3 or min(volume.array.shape) < 1:
        raise PreprocessError(source, f"expected a 3D volume, got shape {volume.array.shape}")
    data = volume.to_metatensor()
    data = Orientation(axcodes=cfg.axcodes, labels=None)(data)
    data = Spacing(pixdim=cfg.spacing, mode="bilinear", padding_mode="border")(data)
    affine = np.asarray(data.affine, dtype=np.float64)  # type: ignore[attr-defined]  # MetaTensor
    array = np.clip(np.asarray(data[0].numpy(), dtype=np.float32), cfg.hu_min, cfg.hu_max)
    normal = affine[:3, 2] / np.linalg.norm(affine[:3, 2])
    depth = array.shape[2]
    centres = affine[:3, 3][None] + np.arange(depth)[:, None] * affine[:3, 2][None]
    positions = (centres @ normal).round(4)
    return Preprocessed(
        pixels=np.rint(array).astype(np.int16),
        spacing=[round(float(v), 6) for v in np.linalg.norm(affine[:3, :3], axis=0)],
        affine=np.round(affine, 6).tolist(),
        slice_positions=positions.tolist(),
    )
