"""Model-ready inputs for zero-shot use, prepared exactly as a checkpoint's weight card says.

2D: radiograph (DICOM / PNG / JPEG) -> [0, 1], longest side resized to the card's size and padded
(as ingest does). 3D: DICOM series folder or NIfTI -> RAS+, resampled to the card's spacing,
clipped through the card's HU window to [0, 1], resized to the card's ``image_size``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from medvlp.errors import InputError
from medvlp.io import load_radiograph_array, read_dicom_series, read_nifti
from medvlp.io.volume import Volume
from medvlp.models.preprocess import window_hu

NIFTI_SUFFIXES = (".nii", ".nii.gz")
RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
DICOM_SUFFIXES = (".dcm", ".dicom")


class StudyInputError(InputError):
    """An input that cannot be turned into a model-ready image (wrong kind, blank, missing)."""


@dataclass
class StudyImage:
    """One scored unit: ``image`` float32 ``[1, H, W]`` or ``[1, X, Y, Z]`` in [0, 1] at the model size.

    ``slice_positions``: ``[Z]`` mm along the slice normal (3D only).
    """

    path: str
    image: torch.Tensor
    slice_positions: np.ndarray | None = None

    @property
    def is_volume(self) -> bool:
        return self.image.ndim == 4


def card_dims(preprocessing: Mapping[str, Any]) -> int:
    """2 for radiograph checkpoints, 3 for CT ones (from the card's ``modality``/``image_size``)."""
    size = preprocessing.get("image_size") or []
    return 3 if preprocessing.get("modality") == "ct" or len(size) == 3 else 2


def _is_nifti(path: Path) -> bool:
    return path.name.lower().endswith(NIFTI_SUFFIXES)


def load_radiograph_input(path: str | Path, preprocessing: Mapping[str, Any]) -> StudyImage:
    """Radiograph -> ``[1, H, W]`` in [0, 1] at the card's ``image_size``.

    Same geometry as ingest (what the model was trained on): longest side resized to the size
    ("area"), centred zero padding to a square, then resized to ``image_size`` if that is not square.
    """
    from monai.transforms import Resize, SpatialPad

    size = [int(s) for s in preprocessing.get("image_size") or (224, 224)]
    pixels = load_radiograph_array(path)  # float32 [H, W] in [0, 1], bright = dense
    if pixels.ndim != 2:
        raise StudyInputError(path, f"expected a single-frame radiograph, got pixel shape {pixels.shape}")
    if float(np.ptp(pixels)) == 0.0:
        raise StudyInputError(path, "blank image (every pixel has the same value)")
    side = max(size)
    unit = torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32))[None]  # [1, H, W]
    resized = Resize(spatial_size=side, size_mode="longest", mode="area")(unit)
    padded = SpatialPad(spatial_size=(side, side), method="symmetric")(resized)
    # a plain tensor, not MONAI's MetaTensor
    image = (padded.as_tensor() if hasattr(padded, "as_tensor") else torch.as_tensor(padded)).float()
    if tuple(image.shape[1:]) != tuple(size):
        image = F.interpolate(image[None], size=tuple(size), mode="bilinear", align_corners=False)[0]
    return StudyImage(str(path), image.clamp(0.0, 1.0).contiguous())


def read_volume(path: str | Path) -> Volume:
    """A DICOM series folder (exactly one series) or a NIfTI file -> ``Volume`` in HU."""
    source = Path(path)
    return read_nifti(source) if _is_nifti(source) else read_dicom_series(source)


def load_volume_input(path: str | Path, preprocessing: Mapping[str, Any]) -> StudyImage:
    """CT volume -> ``[1, X, Y, Z]`` windowed to [0, 1] at the card's size, with slice positions."""
    from medvlp.ingest.config import Preprocess3D
    from medvlp.ingest.preprocess import preprocess_volume

    volume = read_volume(path)
    if volume.array.ndim != 3 or volume.array.shape[2] < 3:
        raise StudyInputError(path, f"not a CT volume (shape {volume.array.shape}; a localizer or 2D image?)")
    sx, sy, sz = (float(s) for s in (preprocessing.get("spacing") or volume.spacing))
    prepared = preprocess_volume(volume, Preprocess3D(spacing=(sx, sy, sz)), str(path))
    window = preprocessing.get("hu_window") or (-1000.0, 1000.0)
    volume_01 = window_hu(torch.from_numpy(prepared.pixels.astype(np.float32)), window)  # [X, Y, Z]
    positions = np.asarray(prepared.slice_positions, dtype=np.float64)
    size = preprocessing.get("image_size")
    if size and tuple(volume_01.shape) != tuple(size):
        volume_01 = F.interpolate(volume_01[None, None], size=tuple(int(s) for s in size), mode="trilinear",
                                  align_corners=False)[0, 0]
        # Resizing along Z keeps the covered extent: new slice centres are spread over the old range.
        positions = np.linspace(positions[0], positions[-1], int(size[2]))
    return StudyImage(str(path), volume_01[None].contiguous(), positions)


def load_study(path: str | Path, preprocessing: Mapping[str, Any]) -> StudyImage:
    """Load one input for the checkpoint whose card preprocessing is given; typed errors on bad input."""
    source = Path(path)
    if not source.exists():
        raise StudyInputError(source, "no such file or folder")
    if card_dims(preprocessing) == 3:
        return load_volume_input(source, preprocessing)
    if source.is_dir():
        raise StudyInputError(source, "folder holds no radiograph files (.dcm, .png, .jpg)")
    if _is_nifti(source):
        raise StudyInputError(source, "a volume was given but the checkpoint is a 2D radiograph model")
    return load_radiograph_input(source, preprocessing)


def _dicom_series_dirs(root: Path) -> list[Path]:
    return sorted({p.parent for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DICOM_SUFFIXES})


def expand_inputs(paths: Sequence[str | Path], dims: int) -> list[Path]:
    """Files and folders -> the units to score.

    2D: every radiograph file (DICOM/PNG/JPEG) under a folder. 3D: every NIfTI file and every folder
    holding DICOM files (one series each). Explicit file arguments are kept as given.
    """
    units: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            units.append(path)
            continue
        files = sorted(p for p in path.rglob("*") if p.is_file())
        if dims == 2:
            found = [p for p in files if p.suffix.lower() in (*DICOM_SUFFIXES, *RASTER_SUFFIXES)]
        else:
            found = [p for p in files if _is_nifti(p)] + _dicom_series_dirs(path)
        units.extend(found or [path])  # an empty folder stays, so it is reported as an error
    return units
