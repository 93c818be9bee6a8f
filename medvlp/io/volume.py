"""``Volume``: a 3D/4D array with its NIfTI-convention (RAS+) affine, spacing and provenance.

Array axes follow the affine exactly as nibabel does: ``array[i, j, k]`` sits at ``affine @ [i, j, k, 1]``
in RAS+ millimetres. For DICOM that means i = column, j = row, k = slice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import nibabel as nib
import numpy as np

from medvlp.io.identifiers import RecordIdentifiers


@dataclass
class Volume:
    """``array``: float32 ``[X, Y, Z]`` or ``[X, Y, Z, T]`` (HU for CT); ``affine``: float64 4x4 RAS+."""

    array: np.ndarray
    affine: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    slice_positions: np.ndarray | None = None  # mm along the slice normal, one per slice (Z)
    ids: RecordIdentifiers = field(default_factory=RecordIdentifiers)  # pseudonymise before leaving io

    @property
    def spacing(self) -> tuple[float, float, float]:
        """Voxel size in mm per spatial axis (column norms of the affine)."""
        norms = np.linalg.norm(self.affine[:3, :3], axis=0)
        return float(norms[0]), float(norms[1]), float(norms[2])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def canonical(self) -> Volume:
        """Closest RAS+ orientation by axis flips/permutations only (nibabel ``as_closest_canonical``)."""
        ornt = nib.orientations.io_orientation(self.affine)
        target = nib.orientations.axcodes2ornt(("R", "A", "S"))
        transform = nib.orientations.ornt_transform(ornt, target)
        if np.array_equal(transform, [[0, 1], [1, 1], [2, 1]]):
            return self
        array = nib.orientations.apply_orientation(self.array, transform)
        inv = nib.orientations.inv_ornt_aff(transform, self.array.shape[:3])
        positions = self.slice_positions
        if positions is not None and transform[2, 0] != 2:
            positions = None  # slices no longer run along the last axis
        elif positions is not None and transform[2, 1] < 0:
            positions = positions[::-1].copy()
        return replace(self, array=np.ascontiguousarray(array), affine=self.affine @ inv,
                       slice_positions=positions)

    def to_nifti(self) -> nib.Nifti1Image:
        """float32 NIfTI image with sform and qform (code 1, scanner) set to the affine."""
        image = nib.Nifti1Image(self.array.astype(np.float32, copy=False), self.affine)
        image.set_qform(self.affine, code=1)
        image.set_sform(self.affine, code=1)
        return image

    def to_metatensor(self):  # -> monai.data.MetaTensor (MONAI imported lazily: heavy)
        """Channel-first MONAI ``MetaTensor [1, X, Y, Z]`` (4-D: ``[T, X, Y, Z]``) carrying the affine.

        MONAI's spatial transforms (Orientation, Spacing, crops) read the affine from here; the space
        is RAS, MONAI's default.
        """
        import torch
        from monai.data import MetaTensor
        from monai.utils import SpaceKeys

        data = self.array[None] if self.array.ndim == 3 else np.moveaxis(self.array, -1, 0)
        meta = {"spatial_shape": np.array(self.array.shape[:3]), "original_affine": self.affine.copy(),
                "space": SpaceKeys.RAS, "original_channel_dim": 0 if self.array.ndim == 4 else "no_channel"}
        meta.update({k: v for k, v in self.metadata.items() if isinstance(v, (str, int, float))})
        return MetaTensor(torch.from_numpy(np.ascontiguousarray(data)),
                          affine=torch.as_tensor(self.affine, dtype=torch.float64), meta=meta)
