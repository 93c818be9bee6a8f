"""NIfTI in and out through nibabel, float32 end to end, typed errors on bad files.

Reading goes through ``dataobj`` (raw on-disk values) and applies scl_slope/scl_inter in float32 once,
instead of ``get_fdata()``'s float64 copy that doubles memory on large CTs.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import nibabel as nib
import numpy as np
from nibabel.filebasedimages import ImageFileError
from nibabel.spatialimages import HeaderDataError

from medvlp.io.dicom_file import PathLike
from medvlp.io.errors import BadNiftiError, EmptyImageError
from medvlp.io.volume import Volume


def _load(path: Path) -> nib.Nifti1Image:
    if not path.is_file():
        raise BadNiftiError(path, "file does not exist")
    if path.stat().st_size == 0:
        raise BadNiftiError(path, "empty file")
    try:
        image = nib.load(path)
    except (ImageFileError, HeaderDataError, EOFError, OSError, zlib.error, gzip.BadGzipFile, ValueError) as exc:
        raise BadNiftiError(path, f"unreadable NIfTI header ({type(exc).__name__}: {exc})") from exc
    if not isinstance(image, (nib.Nifti1Image, nib.Nifti2Image)):
        raise BadNiftiError(path, f"not a NIfTI image ({type(image).__name__})")
    return image


def read_nifti(path: PathLike, canonical: bool = False) -> Volume:
    """NIfTI -> ``Volume`` (float32 ``[X, Y, Z]`` or ``[X, Y, Z, T]``), scaling applied.

    Raises ``BadNiftiError`` for a broken header, truncated/corrupt data or NaN voxels and
    ``EmptyImageError`` for a zero-sized image.
    """
    path = Path(path)
    image = _load(path)
    if any(int(d) < 0 for d in image.shape):
        raise BadNiftiError(path, f"negative dimension in header: shape {image.shape}")
    if any(int(d) == 0 for d in image.shape) or len(image.shape) < 2:
        raise EmptyImageError(path, f"image shape {image.shape} has no voxels")
    proxy = image.dataobj
    try:
        raw = np.asarray(proxy.get_unscaled())  # type: ignore[attr-defined]
    except (EOFError, OSError, zlib.error, ValueError) as exc:
        raise BadNiftiError(path, f"voxel data truncated or corrupt ({type(exc).__name__}: {exc})") from exc
    slope, inter = proxy.slope, proxy.inter  # type: ignore[attr-defined]
    array = raw.astype(np.float32, copy=False)
    if slope not in (None, 1.0) or inter not in (None, 0.0):
        array = array * np.float32(1.0 if slope is None else slope) + np.float32(inter or 0.0)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim > 4:
        raise BadNiftiError(path, f"{array.ndim}-D image: only 3-D and 4-D are supported")
    if np.isnan(array).any():
        raise BadNiftiError(path, f"{int(np.isnan(array).sum())} NaN voxel(s)")
    affine = np.asarray(image.affine, dtype=np.float64)
    if not np.all(np.isfinite(affine)) or abs(np.linalg.det(affine[:3, :3])) < 1e-12:
        raise BadNiftiError(path, "affine is singular or not finite")
    header = image.header
    metadata = {"source_files": [str(path)], "units": "", "qform_code": int(header["qform_code"]),
                "sform_code": int(header["sform_code"]), "disk_dtype": str(header.get_data_dtype())}
    volume = Volume(array, affine, metadata)
    return volume.canonical() if canonical else volume


def _integer_encoding(volume: Volume) -> tuple[np.ndarray, float, float] | None:
    """int16 raw values + (slope, intercept) that reproduce ``volume.array`` exactly, if possible."""
    slope = volume.metadata.get("rescale_slope") or 1.0
    inter = volume.metadata.get("rescale_intercept") or 0.0
    raw = np.round((volume.array - np.float32(inter)) / np.float32(slope))
    if raw.size == 0 or raw.min() < -32768 or raw.max() > 32767:
        return None
    raw16 = raw.astype(np.int16)
    if not np.array_equal(raw16.astype(np.float32) * np.float32(slope) + np.float32(inter), volume.array):
        return None
    return raw16, float(slope), float(inter)


def write_nifti(volume: Volume, path: PathLike, integer: bool = True) -> Path:
    """Write ``volume`` as NIfTI-1 (sform = qform = affine, code 1); returns the path.

    With ``integer`` the voxels are stored as int16 plus scl_slope/scl_inter when that reproduces
    them exactly (as dcm2niix does), otherwise as float32.
    """
    path = Path(path)
    encoded = _integer_encoding(volume) if integer else None
    if encoded is None:
        image = volume.to_nifti()
    else:
        raw, slope, inter = encoded
        image = nib.Nifti1Image(raw, volume.affine)
        image.set_qform(volume.affine, code=1)
        image.set_sform(volume.affine, code=1)
        image.header.set_slope_inter(slope, inter)
    image.header.set_xyzt_units("mm", "sec")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{''.join(path.suffixes)}")
    nib.save(image, tmp)
    tmp.replace(path)  # atomic: a killed run never leaves half a NIfTI under the final name
    return path
