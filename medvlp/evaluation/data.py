"""Evaluation splits in memory: images, labels and ids of one split of one ingest output.

Reads shards through :class:`medvlp.data.datasets.ShardMapDataset` (label fractions come from the
fixed nested subsets in ``splits.json``), windows CT to [0, 1] and brings every image to one size so
a split stacks into a single tensor ``[N, 1, *image_size]``. 2D segmentation masks stored by ingest
come along as ``masks [N, *image_size]`` (nearest-neighbour to the same size) with ``has_mask [N]``.
Volumes keep their physical z extent (``z_extent_mm [N]``): resampling to a fixed slice count changes
the slice spacing, and a slice-pooling encoder codes slice positions in millimetres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.data.transforms import HUWindow
from medvlp.evaluation.errors import DatasetMissingError
from medvlp.knowledge.findings import get_label_set


@dataclass
class EvalSplit:
    """One split: ``images [N, 1, *S]`` in [0, 1], ``labels [N, K]`` (1/0/-1/NaN) and per-row ids."""

    images: torch.Tensor
    labels: np.ndarray
    label_names: list[str]
    patients: list[str]
    studies: list[str]
    reports: list[str]
    sample_keys: list[str] = field(default_factory=list)
    masks: np.ndarray | None = None  # int64 [N, H, W] segmentation targets, when the dataset has them
    has_mask: np.ndarray | None = None  # bool [N]: row i has a real mask (rows without one hold zeros)
    z_extent_mm: np.ndarray | None = None  # float [N]: volumes' z extent in mm (None: 2D, or unknown)

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: Sequence[int] | np.ndarray) -> EvalSplit:
        rows = np.asarray(rows, dtype=int)
        def pick(seq: list[str]) -> list[str]:
            return [seq[i] for i in rows] if seq else []

        return EvalSplit(self.images[torch.as_tensor(rows)], self.labels[rows], self.label_names,
                         pick(self.patients), pick(self.studies), pick(self.reports), pick(self.sample_keys),
                         None if self.masks is None else self.masks[rows],
                         None if self.has_mask is None else self.has_mask[rows],
                         None if self.z_extent_mm is None else self.z_extent_mm[rows])

    def with_masks(self) -> EvalSplit:
        """The rows that have a segmentation mask (all rows when every row has one)."""
        if self.masks is None:
            return self.subset(np.zeros(0, dtype=int))
        return self if self.has_mask is None else self.subset(np.flatnonzero(self.has_mask))


def fit_size(image: torch.Tensor, size: Sequence[int] | None) -> torch.Tensor:
    """``[1, *S]`` -> ``[1, *size]`` by (bi/tri)linear interpolation; unchanged when ``size`` is None."""
    if size is None or tuple(image.shape[1:]) == tuple(size):
        return image
    mode = "bilinear" if image.ndim == 3 else "trilinear"
    return F.interpolate(image[None], size=tuple(size), mode=mode, align_corners=False)[0]


def fit_mask(mask: torch.Tensor, size: Sequence[int] | None) -> np.ndarray:
    """``uint8 [H, W]`` label mask -> ``int64 [*size]`` by nearest-neighbour (labels never blend)."""
    if size is not None and tuple(mask.shape) != tuple(size):
        mask = F.interpolate(mask[None, None].float(), size=tuple(size), mode="nearest-exact")[0, 0]
    return mask.numpy().astype(np.int64)


def z_extent_mm(depth: int, spacing: Sequence[float], positions: Sequence[float]) -> float | None:
    """Physical z extent of ``depth`` slices: slice spacing x depth (from ``spacing`` or the slice
    positions), or None when neither is known."""
    if len(spacing) == 3 and float(spacing[2]) > 0:
        return float(spacing[2]) * depth
    if len(positions) == depth and depth > 1:
        return abs(float(positions[-1]) - float(positions[0])) * depth / (depth - 1)
    return None


def load_split(
    root: str | Path,
    split: str,
    label_fraction: float | None = None,
    image_size: Sequence[int] | None = None,
    window: tuple[float, float] = (40.0, 400.0),
    max_samples: int | None = None,
    label_set: str | None = None,
    spatial_dims: int | None = None,
) -> EvalSplit:
    """Load ``split`` of the ingest output at ``root`` (``root/shards``, ``root/splits.json``).

    ``label_fraction`` (train only) selects the fixed nested subset; ``None`` or 1.0 = all of train.
    3D volumes are windowed with ``window`` = (center, width) HU. An ingest output may mix CXR and
    CT: ``label_set`` (e.g. ``"ct"``) and ``spatial_dims`` (2 or 3) keep only the matching samples.
    """
    from medvlp.data.datasets import ShardMapDataset

    root = Path(root)
    if not (root / "shards").is_dir():
        raise DatasetMissingError(root, "no 'shards' folder: run `medvlp ingest` first or fix the path")
    fraction = None if label_fraction in (None, 1.0) else label_fraction
    dataset = ShardMapDataset(root, split=split, label_fraction=fraction)
    wanted = None if label_set is None else list(get_label_set(label_set).labels)
    images: list[torch.Tensor] = []
    labels: list[np.ndarray] = []
    patients: list[str] = []
    studies: list[str] = []
    reports: list[str] = []
    names: list[str] = []
    masks: list[np.ndarray | None] = []
    extents: list[float | None] = []
    label_names: list[str] = []
    for i in range(len(dataset)):
        if max_samples is not None and len(images) >= max_samples:
            break
        sample = dataset[i]
        if wanted is not None and list(sample[keys.LABEL_NAMES]) != wanted:
            continue
        if spatial_dims is not None and sample[keys.IMAGE].ndim - 1 != spatial_dims:
            continue
        label_names = list(sample[keys.LABEL_NAMES])
        image = sample[keys.IMAGE].float()
        if image.ndim == 4:
            image = HUWindow(*window)(image)
            extents.append(z_extent_mm(int(image.shape[-1]), sample[keys.SPACING].tolist(),
                                       sample[keys.SLICE_POSITIONS].tolist()))
        images.append(fit_size(image, image_size))
        labels.append(sample[keys.LABELS].numpy())
        patients.append(str(sample[keys.PATIENT]))
        studies.append(str(sample[keys.STUDY]))
        reports.append(sample[keys.REPORT])
        names.append(sample[keys.KEY])
        mask = sample.get(keys.SEG_MASK)
        masks.append(None if mask is None or image.ndim != 3 else fit_mask(mask, image_size or image.shape[1:]))
    if not images:
        raise DatasetMissingError(root, f"split {split!r} has no samples of label set {label_set!r} "
                                        f"with {spatial_dims} spatial dims")
    has_mask = np.array([m is not None for m in masks])
    stacked = None
    if has_mask.any():
        blank = np.zeros(tuple(images[0].shape[1:]), dtype=np.int64)
        stacked = np.stack([blank if m is None else m for m in masks])
    known = bool(extents) and len(extents) == len(images) and all(e is not None for e in extents)
    return EvalSplit(torch.stack(images), np.stack(labels).astype(np.float64),
                     label_names, patients, studies, reports, names, stacked, has_mask if has_mask.any() else None,
                     np.asarray(extents, dtype=np.float64) if known else None)
