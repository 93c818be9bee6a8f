"""Decode a planned series into a ``Volume``: stored values -> per-slice rescale -> float32 [X, Y, Z].

The affine follows the DICOM geometry (row/column cosines, pixel spacing, first-slice position, the
actual step between first and last slice, so a gantry tilt shows as a shear) and is converted from
DICOM LPS to NIfTI RAS+ by negating the first two rows, as dcm2niix and nibabel do.
"""

from __future__ import annotations

import numpy as np

from medvlp.io.dicom_file import decode_pixels, open_dicom
from medvlp.io.errors import InconsistentSeriesError
from medvlp.io.identifiers import RecordIdentifiers
from medvlp.io.native_pixels import read_native_tail
from medvlp.io.series_group import SeriesPlan
from medvlp.io.series_scan import SliceHeader
from medvlp.io.volume import Volume

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _rescale(ds: object) -> tuple[float, float]:
    slope = float(getattr(ds, "RescaleSlope", 1.0) or 1.0)
    intercept = float(getattr(ds, "RescaleIntercept", 0.0) or 0.0)
    return slope, intercept


def _read_slice(header: SliceHeader) -> tuple[np.ndarray, tuple[float, float]]:
    """Stored values ``[rows, cols]`` and (slope, intercept); native files skip the second parse."""
    fast = read_native_tail(header.path, header.transfer_syntax, header.rows, header.cols,
                            header.bits_allocated, header.bits_stored, header.signed, header.samples)
    if fast is not None:
        return fast, header.rescale
    ds = open_dicom(header.path)
    arr = decode_pixels(ds, header.path)
    if arr.shape[-2:] != (header.rows, header.cols) or arr.ndim != 2:
        raise InconsistentSeriesError(header.path, f"pixel array {arr.shape} is not one {header.rows}x"
                                                   f"{header.cols} slice")
    return arr, _rescale(ds)


def _demosaic(tile_image: np.ndarray, count: int) -> np.ndarray:
    """Siemens mosaic ``[R, C]`` -> slices ``[count, R/m, C/m]`` with m = ceil(sqrt(count)) tiles a side."""
    per_side = int(np.ceil(np.sqrt(count)))
    rows, cols = tile_image.shape[0] // per_side, tile_image.shape[1] // per_side
    tiles = tile_image[: rows * per_side, : cols * per_side].reshape(per_side, rows, per_side, cols)
    return tiles.transpose(0, 2, 1, 3).reshape(per_side * per_side, rows, cols)[:count]


def _lps_affine(first: SliceHeader, slice_step: np.ndarray, origin: np.ndarray) -> np.ndarray:
    row, col = np.array(first.orientation[:3]), np.array(first.orientation[3:])
    row_spacing, col_spacing = first.pixel_spacing
    affine = np.eye(4)
    affine[:3, 0] = row * col_spacing  # array axis 0 = column index, moves along the row cosine
    affine[:3, 1] = col * row_spacing  # array axis 1 = row index, moves along the column cosine
    affine[:3, 2] = slice_step
    affine[:3, 3] = origin
    return affine


def _slice_step(plan: SeriesPlan) -> np.ndarray:
    first, last = plan.slices[0], plan.slices[-1]
    if len(plan.slices) > 1:
        return (np.array(last.position) - np.array(first.position)) / (len(plan.slices) - 1)
    return first.normal * plan.slice_spacing


def _stack_slices(plan: SeriesPlan) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """float32 ``[X, Y, Z]`` in modality units and the RAS affine, for one-slice-per-file series."""
    first = plan.slices[0]
    out = np.empty((len(plan.slices), first.rows, first.cols), dtype=np.float32)
    rescales = []
    for k, header in enumerate(plan.slices):
        arr, (slope, intercept) = _read_slice(header)
        np.multiply(arr, np.float32(slope), out=out[k], casting="unsafe")
        if intercept:
            out[k] += np.float32(intercept)
        rescales.append((slope, intercept))
    affine = LPS_TO_RAS @ _lps_affine(first, _slice_step(plan), np.array(first.position))
    return out.transpose(2, 1, 0), affine, rescales


def _stack_mosaics(plan: SeriesPlan) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """float32 ``[X, Y, Z]`` (``[X, Y, Z, T]`` for several mosaics) and the RAS affine."""
    first = plan.slices[0]
    volumes, rescales = [], []
    for header in plan.slices:
        arr, (slope, intercept) = _read_slice(header)
        slices = _demosaic(arr, header.n_mosaic).astype(np.float32) * np.float32(slope) + np.float32(intercept)
        volumes.append(slices.transpose(2, 1, 0))
        rescales.append((slope, intercept))
    per_side = int(np.ceil(np.sqrt(first.n_mosaic)))
    tile_rows, tile_cols = first.rows // per_side, first.cols // per_side
    row, col = np.array(first.orientation[:3]), np.array(first.orientation[3:])
    row_spacing, col_spacing = first.pixel_spacing
    # ImagePositionPatient of a mosaic is the corner of the whole tiled image; move it to tile 0
    origin = (np.array(first.position) + row * col_spacing * (first.cols - tile_cols) / 2
              + col * row_spacing * (first.rows - tile_rows) / 2)
    normal = np.array(first.mosaic_normal) if first.mosaic_normal is not None else first.normal
    affine = LPS_TO_RAS @ _lps_affine(first, normal / np.linalg.norm(normal) * plan.slice_spacing, origin)
    array = volumes[0] if len(volumes) == 1 else np.stack(volumes, axis=-1)
    return array, affine, rescales


def load_plan(plan: SeriesPlan) -> Volume:
    """Decode every file of ``plan`` once and assemble the volume with its metadata."""
    array, affine, rescales = _stack_mosaics(plan) if plan.is_mosaic else _stack_slices(plan)
    first = plan.slices[0]
    uniform = len(set(rescales)) == 1
    positions = plan.positions
    if plan.is_mosaic:  # one file holds every slice: positions along the mosaic's own slice direction (LPS)
        step = affine[:3, 2] * [-1, -1, 1]
        unit = step / np.linalg.norm(step)
        origin = affine[:3, 3] * [-1, -1, 1]
        positions = float(np.dot(origin, unit)) + np.arange(array.shape[2]) * float(np.linalg.norm(step))
    metadata = {
        "modality": first.modality, "series_description": first.series_description,
        "series_number": first.series_number,
        "slice_count": int(array.shape[2]), "slice_spacing": float(plan.slice_spacing),
        "gantry_tilt_degrees": float(plan.tilt_degrees) if first.gantry_tilt == 0 else float(first.gantry_tilt),
        "irregular_spacing": plan.irregular_spacing, "missing_slices": plan.missing_slices,
        "notes": list(plan.notes), "source_files": [s.path for s in plan.slices],
        "rescale_slope": rescales[0][0] if uniform else None,
        "rescale_intercept": rescales[0][1] if uniform else None,
        "units": "HU" if first.modality == "CT" else "",
    }
    ids = RecordIdentifiers(first.patient_id, first.accession_number, first.study_uid, first.series_uid)
    return Volume(array, affine, metadata, np.asarray(positions, dtype=np.float64), ids)
