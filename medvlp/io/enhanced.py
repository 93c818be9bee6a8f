"""Enhanced multi-frame images (one file, many frames with per-frame functional groups) -> ``Volume``.

Geometry comes from the functional groups: PlaneOrientation and PixelMeasures (shared or per frame),
PlanePosition per frame, and PixelValueTransformation (rescale) shared or per frame. Frames are sorted
by position along the slice normal, as for single-frame series.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset

from medvlp.io.dicom_file import PathLike, decode_pixels, open_dicom
from medvlp.io.errors import BadGeometryError, InconsistentSeriesError
from medvlp.io.identifiers import RecordIdentifiers
from medvlp.io.volume import Volume

LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def _group(ds: Dataset, frame: Dataset, name: str) -> Dataset | None:
    """A functional group item from the frame, else from the shared groups."""
    for source in (frame, ds.SharedFunctionalGroupsSequence[0] if "SharedFunctionalGroupsSequence" in ds else None):
        if source is not None and name in source and len(source[name].value):
            return source[name].value[0]
    return None


def _frame_geometry(ds: Dataset, frame: Dataset, path: PathLike) -> tuple[np.ndarray, np.ndarray, tuple[float, float]]:
    orientation, position, measures = (_group(ds, frame, n) for n in (
        "PlaneOrientationSequence", "PlanePositionSequence", "PixelMeasuresSequence"))
    if orientation is None or position is None or measures is None:
        raise BadGeometryError(path, "enhanced frame without plane orientation/position/pixel measures")
    spacing = [float(v) for v in measures.PixelSpacing]
    return (np.array([float(v) for v in orientation.ImageOrientationPatient]),
            np.array([float(v) for v in position.ImagePositionPatient]), (spacing[0], spacing[1]))


def _rescale(ds: Dataset, frame: Dataset) -> tuple[float, float]:
    item = _group(ds, frame, "PixelValueTransformationSequence")
    if item is None:
        return float(ds.get("RescaleSlope", 1.0) or 1.0), float(ds.get("RescaleIntercept", 0.0) or 0.0)
    return float(item.get("RescaleSlope", 1.0) or 1.0), float(item.get("RescaleIntercept", 0.0) or 0.0)


def load_enhanced(path: PathLike) -> Volume:
    """Decode an enhanced multi-frame file into float32 ``[X, Y, Z]`` with its RAS affine."""
    ds = open_dicom(path)
    frames = decode_pixels(ds, path)
    frames = frames[None] if frames.ndim == 2 else frames
    items = list(ds.PerFrameFunctionalGroupsSequence)
    if len(items) != frames.shape[0]:
        raise InconsistentSeriesError(path, f"{len(items)} functional groups for {frames.shape[0]} frames")
    geometry = [_frame_geometry(ds, item, path) for item in items]
    orientation, _, (row_spacing, col_spacing) = geometry[0]
    if any(not np.allclose(g[0], orientation, atol=1e-4) or g[2] != geometry[0][2] for g in geometry):
        raise InconsistentSeriesError(path, "frames differ in orientation or pixel spacing (not one volume)")
    row, col = orientation[:3], orientation[3:]
    normal = np.cross(row, col)
    along = np.array([float(np.dot(g[1], normal)) for g in geometry])
    order = np.argsort(along, kind="stable")
    if np.any(np.diff(along[order]) < 0.01):  # temporal/echo dimensions: not stackable as one 3D volume
        raise InconsistentSeriesError(path, "several frames share a position (4-D enhanced data not supported)")
    out = np.empty((len(order), frames.shape[1], frames.shape[2]), dtype=np.float32)
    for k, index in enumerate(order):
        slope, intercept = _rescale(ds, items[index])
        out[k] = frames[index].astype(np.float32) * np.float32(slope) + np.float32(intercept)
    positions = np.array([geometry[i][1] for i in order])
    step = (positions[-1] - positions[0]) / (len(order) - 1) if len(order) > 1 else normal * float(
        _group(ds, items[0], "PixelMeasuresSequence").get("SliceThickness", 1.0) or 1.0)  # type: ignore[union-attr]
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2], affine[:3, 3] = row * col_spacing, col * row_spacing, step, positions[0]
    metadata = {"modality": str(ds.get("Modality", "")), "series_description": str(ds.get("SeriesDescription", "")),
                "series_number": int(ds.get("SeriesNumber", 0) or 0), "slice_count": len(order),
                "slice_spacing": float(np.linalg.norm(step)), "gantry_tilt_degrees": 0.0,
                "irregular_spacing": bool(len(order) > 2 and np.ptp(np.diff(positions @ normal)) > 0.02),
                "missing_slices": 0, "notes": ["enhanced multi-frame"], "source_files": [str(path)],
                "units": "HU" if ds.get("Modality") == "CT" else ""}
    return Volume(out.transpose(2, 1, 0), LPS_TO_RAS @ affine, metadata, positions @ normal,
                  RecordIdentifiers.from_dataset(ds))
