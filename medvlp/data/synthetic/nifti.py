"""Write a CT volume as ``.nii.gz`` with a RAS+ affine and byte-stable gzip (mtime 0)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import nibabel as nib
import numpy as np

from medvlp.data.synthetic.output import write_bytes


def lps_to_ras_canonical(hu: np.ndarray, origin_lps: tuple[float, float, float],
                         spacing: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Flip an LPS-ordered volume [X, Y, Z] to RAS+ order; returns (array, 4x4 affine)."""
    nx, ny, _ = hu.shape
    ras = hu[::-1, ::-1, :]
    # The flipped voxel 0 is the old last voxel along X and Y; RAS = (-x, -y, z) of its LPS position.
    corner = (origin_lps[0] + (nx - 1) * spacing[0], origin_lps[1] + (ny - 1) * spacing[1], origin_lps[2])
    affine = np.diag([spacing[0], spacing[1], spacing[2], 1.0])
    affine[:3, 3] = (-corner[0], -corner[1], corner[2])
    return np.ascontiguousarray(ras), affine


def nifti_bytes(array: np.ndarray, affine: np.ndarray, encoding: str) -> bytes:
    """Uncompressed NIfTI-1 bytes. ``encoding``: ``int16`` (slope 1, inter 0), ``int16_offset``
    (stored HU + 1024, scl_inter -1024), ``float32`` (no scaling) or ``uint8`` (label masks)."""
    header = nib.Nifti1Header()
    header.set_data_shape(array.shape)
    header.set_xyzt_units("mm", "sec")
    header.set_qform(affine, code=1)
    header.set_sform(affine, code=1)
    if encoding == "float32":
        data, slope, inter = array.astype("<f4"), 1.0, 0.0
    elif encoding == "uint8":  # label masks
        data, slope, inter = array.astype("u1"), 1.0, 0.0
    else:
        inter = -1024.0 if encoding == "int16_offset" else 0.0
        data, slope = np.clip(np.round(array - inter), -32768, 32767).astype("<i2"), 1.0
    header.set_data_dtype(data.dtype)
    header["scl_slope"], header["scl_inter"] = slope, inter
    header["vox_offset"] = 352
    header["descrip"] = b"medvlp synthetic CT"
    return header.binaryblock + b"\x00" * 4 + data.tobytes(order="F")


def write_nifti_gz(path: Path, array: np.ndarray, affine: np.ndarray, encoding: str) -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
        gz.write(nifti_bytes(array, affine, encoding))
    write_bytes(path, buf.getvalue())
