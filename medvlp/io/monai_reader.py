"""A MONAI ``ImageReader`` for DICOM series folders, backed by medvlp's series assembly.

``LoadImage(reader=MedVLPDicomSeriesReader())("path/to/series")`` returns a MetaTensor whose affine is
RAS+, so MONAI's Orientation/Spacing/ScaleIntensityRange/crops apply unchanged. Data is float32 HU for
CT (rescale applied once, here).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from monai.data import ImageReader
from monai.utils import MetaKeys, SpaceKeys, ensure_tuple

from medvlp.io.dicom_file import PathLike
from medvlp.io.dicom_volume import read_dicom_series
from medvlp.io.volume import Volume


class MedVLPDicomSeriesReader(ImageReader):
    """Reads a folder holding one DICOM series (or a list of its files) into ``[X, Y, Z]``.

    ``canonical`` reorients to closest RAS+ like nibabel's ``as_closest_canonical``.
    """

    def __init__(self, canonical: bool = False, **kwargs: Any) -> None:
        super().__init__()
        self.canonical = canonical
        self.kwargs = kwargs

    def verify_suffix(self, filename: Sequence[PathLike] | PathLike) -> bool:
        """Folders (series) and DICOM-looking files are accepted."""
        return all(Path(f).is_dir() or Path(f).suffix.lower() in ("", ".dcm", ".dicom", ".ima")
                   for f in ensure_tuple(filename))

    def read(self, data: Sequence[PathLike] | PathLike, **kwargs: Any) -> Volume | list[Volume]:
        """One ``Volume`` per folder; a list of files is read as one series."""
        items = ensure_tuple(data)
        if all(Path(i).is_dir() for i in items):
            volumes = [read_dicom_series(i, **{**self.kwargs, **kwargs}) for i in items]
            return volumes[0] if len(volumes) == 1 else volumes
        return read_dicom_series([str(i) for i in items], **{**self.kwargs, **kwargs})

    def get_data(self, img: Volume | list[Volume]) -> tuple[np.ndarray, dict]:
        """Array and MONAI meta dict (``affine``, ``original_affine``, ``spatial_shape``, ``space``)."""
        volumes = [img] if isinstance(img, Volume) else list(img)
        arrays, meta = [], {}
        for volume in volumes:
            original = volume.affine.copy()
            if self.canonical:
                volume = volume.canonical()
            arrays.append(volume.array)
            meta = {MetaKeys.AFFINE: volume.affine.copy(), MetaKeys.ORIGINAL_AFFINE: original,
                    MetaKeys.SPATIAL_SHAPE: np.array(volume.array.shape[:3]), MetaKeys.SPACE: SpaceKeys.RAS,
                    MetaKeys.ORIGINAL_CHANNEL_DIM: float("nan") if volume.array.ndim == 3 else -1,
                    "pixdim": np.array([1.0, *volume.spacing]),
                    **{k: v for k, v in volume.metadata.items() if isinstance(v, (str, int, float))}}
        data = arrays[0] if len(arrays) == 1 else np.stack(arrays, axis=0)
        if len(arrays) > 1:
            meta[MetaKeys.ORIGINAL_CHANNEL_DIM] = 0
        return data, meta
