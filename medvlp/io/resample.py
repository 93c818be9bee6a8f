"""Optional geometry fixes (both off by default): even voxel spacing, gantry-tilt correction.

Both resample with scipy's ``affine_transform`` (linear) from the target voxel grid back into the
source grid; voxels outside the source get the volume minimum (air for CT), never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy.ndimage import affine_transform

from medvlp.io.volume import Volume


def _resample(volume: Volume, target_affine: np.ndarray, shape: tuple[int, int, int]) -> Volume:
    source_from_target = np.linalg.solve(volume.affine, target_affine)
    fill = float(volume.array.min())
    def one(arr: np.ndarray) -> np.ndarray:
        return affine_transform(arr, source_from_target, output_shape=shape, order=1, cval=fill,
                                output=np.float32)
    array = one(volume.array) if volume.array.ndim == 3 else np.stack(
        [one(volume.array[..., t]) for t in range(volume.array.shape[3])], axis=-1)
    return replace(volume, array=array, affine=target_affine, slice_positions=None,
                   metadata={**volume.metadata, "resampled": True})


def resample_to_spacing(volume: Volume, spacing: Sequence[float]) -> Volume:
    """Same field of view and axis directions, voxel size ``spacing`` (mm, one per spatial axis)."""
    target = np.asarray(list(spacing) * (3 if len(spacing) == 1 else 1), dtype=np.float64)
    old = np.asarray(volume.spacing)
    shape = tuple(max(1, round(float(n * o / t))) for n, o, t in zip(volume.array.shape[:3], old, target))
    affine = volume.affine.copy()
    affine[:3, :3] = volume.affine[:3, :3] / old * target
    return _resample(volume, affine, shape)  # type: ignore[arg-type]


def correct_tilt(volume: Volume) -> Volume:
    """Remove the shear of a gantry-tilted stack: slice axis made perpendicular to the slice plane."""
    affine = volume.affine.copy()
    in_plane = affine[:3, :2]
    normal = np.cross(in_plane[:, 0], in_plane[:, 1])
    normal /= np.linalg.norm(normal)
    step = affine[:3, 2]
    affine[:3, 2] = normal * float(np.dot(step, normal))
    return _resample(volume, affine, volume.array.shape[:3])  # type: ignore[arg-type]
