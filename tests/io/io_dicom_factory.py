"""Write small DICOM files with pydicom for the I/O tests (no dependency on the synthetic dataset)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

DX_STORAGE = "1.2.840.10008.5.1.4.1.1.1.1"


def base_dataset(pixels: np.ndarray, sop_class: str = CTImageStorage, **attrs: object) -> Dataset:
    """An image dataset holding ``pixels`` ``[rows, cols]`` (uint16/int16/uint8), explicit VR LE."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName = "Doe^Jane"
    ds.PatientID = "MRN-0042"
    ds.PatientBirthDate = "19700101"
    ds.AccessionNumber = "ACC-777"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape[-2:]
    bits = pixels.dtype.itemsize * 8
    ds.BitsAllocated = bits
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    for key, value in attrs.items():
        setattr(ds, key, value)
    return ds


def save(ds: Dataset, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def ct_slice(pixels: np.ndarray, position: Sequence[float], orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
             spacing: Sequence[float] = (0.5, 0.5), series_uid: str | None = None, instance: int = 1,
             intercept: float = -1024.0, slope: float = 1.0, **attrs: object) -> Dataset:
    """One CT slice with the geometry tags set (LPS, mm)."""
    ds = base_dataset(pixels)
    if series_uid:
        ds.SeriesInstanceUID = series_uid
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SeriesNumber = 2
    ds.SeriesDescription = "synthetic ct"
    ds.InstanceNumber = instance
    ds.ImagePositionPatient = [float(v) for v in position]
    ds.ImageOrientationPatient = [float(v) for v in orientation]
    ds.PixelSpacing = [float(v) for v in spacing]
    ds.SliceThickness = 2.0
    ds.RescaleIntercept = intercept
    ds.RescaleSlope = slope
    ds.FrameOfReferenceUID = "1.2.3.4"
    for key, value in attrs.items():
        setattr(ds, key, value)
    return ds


def write_ct_series(folder: Path, volume: np.ndarray, origin: Sequence[float] = (-10.0, -20.0, 30.0),
                    step: Sequence[float] = (0.0, 0.0, 2.0), orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
                    spacing: Sequence[float] = (0.5, 0.5), reverse_instances: bool = True,
                    intercept: float = -1024.0) -> list[Path]:
    """Write ``volume`` ``[Z, rows, cols]`` (stored int16) as one file per slice, named in shuffled order.

    InstanceNumber runs opposite to the spatial order when ``reverse_instances`` (so a reader that
    sorts by InstanceNumber gets it wrong).
    """
    uid = generate_uid()
    paths = []
    n = volume.shape[0]
    rng = np.random.default_rng(0)
    names = rng.permutation(n)
    for k in range(n):
        position = np.asarray(origin, dtype=float) + k * np.asarray(step, dtype=float)
        ds = ct_slice(volume[k], position, orientation, spacing, uid,
                      instance=(n - k) if reverse_instances else k + 1, intercept=intercept)
        paths.append(save(ds, folder / f"IM{names[k]:04d}"))
    return paths
