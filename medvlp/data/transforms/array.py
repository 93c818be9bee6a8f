"""Array transforms (MONAI style: callables on one channel-first tensor) used at training time.

Random transforms are ``monai.transforms.Randomizable``: seed them with ``set_random_state`` (the
data module does this per worker); nothing here touches global random state.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
from monai.transforms import Randomizable, Resize, ScaleIntensityRange, SpatialCrop, Transform
from monai.utils import convert_to_tensor


class HUWindow(Transform):
    """CT Hounsfield units -> [0, 1] for a window (center, width), clipped. ``[C, *spatial]``."""

    def __init__(self, center: float = 40.0, width: float = 400.0) -> None:
        if width <= 0:
            raise ValueError(f"window width must be positive, got {width}")
        self.scale = ScaleIntensityRange(center - width / 2, center + width / 2, 0.0, 1.0, clip=True)

    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        return convert_to_tensor(self.scale(image), track_meta=False)


class RandResizedCrop(Randomizable, Transform):
    """Crop a random area fraction/aspect ratio of a ``[C, H, W]`` image and resize to ``size``."""

    def __init__(
        self,
        size: tuple[int, int],
        scale: tuple[float, float] = (0.6, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
    ) -> None:
        self.size, self.scale, self.ratio = tuple(size), scale, ratio
        self.resize = Resize(spatial_size=self.size, mode="bilinear")
        self.box: tuple[int, int, int, int] = (0, 0, 0, 0)

    def randomize(self, hw: tuple[int, int]) -> None:
        h, w = hw
        for _ in range(10):
            area = h * w * self.R.uniform(*self.scale)
            aspect = math.exp(self.R.uniform(math.log(self.ratio[0]), math.log(self.ratio[1])))
            ch, cw = round(math.sqrt(area / aspect)), round(math.sqrt(area * aspect))
            if 0 < ch <= h and 0 < cw <= w:
                self.box = (int(self.R.randint(0, h - ch + 1)), int(self.R.randint(0, w - cw + 1)), ch, cw)
                return
        self.box = (0, 0, h, w)  # fall back to the whole image, as torchvision does

    def __call__(self, image: torch.Tensor, randomize: bool = True) -> torch.Tensor:
        if randomize:
            self.randomize((int(image.shape[-2]), int(image.shape[-1])))
        top, left, ch, cw = self.box
        crop = SpatialCrop(roi_start=(top, left), roi_end=(top + ch, left + cw))(image)
        return convert_to_tensor(self.resize(crop), track_meta=False)


class IntensityJitter(Randomizable, Transform):
    """Random brightness shift and contrast scale of a [0, 1] image, clipped back to [0, 1]."""

    def __init__(self, brightness: float = 0.1, contrast: float = 0.1) -> None:
        self.brightness, self.contrast = brightness, contrast
        self.shift, self.factor = 0.0, 1.0

    def randomize(self, data: object = None) -> None:
        self.shift = float(self.R.uniform(-self.brightness, self.brightness))
        self.factor = float(self.R.uniform(1 - self.contrast, 1 + self.contrast))

    def __call__(self, image: torch.Tensor, randomize: bool = True) -> torch.Tensor:
        if randomize:
            self.randomize()
        image = torch.as_tensor(image)
        mean = image.mean()
        return ((image - mean) * self.factor + mean + self.shift).clamp(0.0, 1.0)


class SliceSample(Randomizable, Transform):
    """Fix the slice count of a volume ``[C, X, Y, Z] -> ([C, X, Y, n], mask bool [n])``.

    Longer volumes: ``uniform`` picks evenly spaced slices (deterministic); ``stratified`` cuts the
    volume into ``n`` equal bins and picks one random slice in each, so every part of the volume is
    still seen (a finding stated by the report is never cropped away) while the exact slices vary;
    ``window`` takes a random contiguous run (which can drop findings near the ends). Shorter volumes
    are padded at the end with ``pad_value``; the mask marks real slices.
    """

    def __init__(self, n_slices: int, mode: Literal["uniform", "stratified", "window"] = "uniform",
                 pad_value: float = 0.0) -> None:
        if n_slices < 1:
            raise ValueError("n_slices must be >= 1")
        if mode not in ("uniform", "stratified", "window"):
            raise ValueError(f"unknown slice sampling mode {mode!r}")
        self.n_slices, self.mode, self.pad_value = n_slices, mode, pad_value
        self.start = 0
        self.offsets = np.zeros(n_slices)
        self.index = torch.zeros(0, dtype=torch.long)  # source slices of the last call (real slices only)

    def randomize(self, depth: int) -> None:
        if self.mode == "window":
            self.start = int(self.R.randint(0, depth - self.n_slices + 1))
        elif self.mode == "stratified":
            self.offsets = self.R.uniform(0.0, 1.0, self.n_slices)

    def stratified_index(self, depth: int) -> torch.Tensor:
        """One slice per bin of ~``depth / n`` whole slices, at the bin's random offset ``[n]``."""
        edges = np.round(np.arange(self.n_slices + 1) * depth / self.n_slices).astype(np.int64)
        widths = edges[1:] - edges[:-1]  # >= 1 when depth >= n, so bins never share a slice
        return torch.from_numpy(edges[:-1] + np.floor(self.offsets * widths).astype(np.int64))

    def __call__(self, volume: torch.Tensor, randomize: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        volume = torch.as_tensor(volume)
        depth, n = volume.shape[-1], self.n_slices
        mask = torch.zeros(n, dtype=torch.bool)
        if depth >= n:
            if self.mode != "uniform" and randomize:
                self.randomize(depth)
            if self.mode == "window":
                index = torch.arange(self.start, self.start + n)
            elif self.mode == "stratified":
                index = self.stratified_index(depth)
            else:
                index = torch.linspace(0, depth - 1, n).round().long()
            mask[:] = True
            self.index = index
            return volume[..., index], mask
        pad = volume.new_full((*volume.shape[:-1], n - depth), self.pad_value)
        mask[:depth] = True
        self.index = torch.arange(depth)
        return torch.cat([volume, pad], dim=-1), mask

    def take_positions(self, positions: torch.Tensor) -> torch.Tensor:
        """Slice positions ``[Z]`` (mm) of the source volume -> those of the last call's output ``[n]``.

        Padded slices repeat the last real position (the mask excludes them everywhere downstream).
        """
        picked = torch.as_tensor(positions, dtype=torch.float32)[self.index]
        if len(picked) < self.n_slices:
            fill = picked[-1:] if len(picked) else torch.zeros(1)
            picked = torch.cat([picked, fill.expand(self.n_slices - len(picked))])
        return picked
