"""Write a CT volume as a DICOM series (one file per axial slice) and an optional localizer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import UID

from medvlp.data.synthetic.dicom_common import StudyInfo, add_patient_study, new_dataset, write_dataset
from medvlp.data.synthetic.phi import Identity, Ledger

CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


@dataclass
class SeriesLayout:
    """How the series is stored: pixel encoding, geometry and numbering."""

    signed: bool  # int16 (PixelRepresentation 1) or uint16
    intercept: float  # RescaleIntercept; stored = HU - intercept
    origin: tuple[float, float, float]  # LPS position (mm) of voxel [0, 0, 0]
    spacing: tuple[float, float, float]
    reversed_numbering: bool  # InstanceNumber decreasing as z increases
    series_uid: str
    frame_uid: str
    series_number: int


def _common(ds: Dataset, ident: Identity, info: StudyInfo, ledger: Ledger, layout: SeriesLayout) -> None:
    """Elements shared by every file of a CT series (patient/study modules, pixel encoding)."""
    add_patient_study(ds, ident, info, ledger)
    ds.Modality = "CT"
    ds.SeriesInstanceUID = layout.series_uid
    ds.SeriesNumber = layout.series_number
    ds.FrameOfReferenceUID = layout.frame_uid
    ds.PositionReferenceIndicator = ""
    ds.BodyPartExamined = "CHEST"
    ds.PatientPosition = "HFS"
    ds.KVP = "120"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1 if layout.signed else 0
    ds.RescaleIntercept = f"{layout.intercept:g}"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"


def _encode(hu: np.ndarray, layout: SeriesLayout) -> bytes:
    stored = np.round(hu - layout.intercept)
    if layout.signed:
        return np.clip(stored, -32768, 32767).astype("<i2").tobytes()
    return np.clip(stored, 0, 65535).astype("<u2").tobytes()


def write_ct_series(folder: Path, hu: np.ndarray, layout: SeriesLayout, ident: Identity, info: StudyInfo,
                    ledger: Ledger, sop_uids: list[str]) -> None:
    """One file per slice of ``hu`` [X, Y, Z] (LPS index order); files named ``<n>.dcm`` by InstanceNumber.

    One dataset is built and only the per-slice elements change, which keeps writing cheap.
    """
    nx, ny, nz = hu.shape
    dx, dy, dz = layout.spacing
    ds = new_dataset(CT_STORAGE, sop_uids[0])
    _common(ds, ident, info, ledger, layout)
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SliceThickness = f"{dz:g}"
    ds.PixelSpacing = [f"{dy:g}", f"{dx:g}"]  # (row spacing, column spacing)
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    ds.Rows, ds.Columns = ny, nx
    slices = np.ascontiguousarray(np.transpose(hu, (2, 1, 0)))  # [Z, rows=Y, cols=X]
    for k in range(nz):
        number = nz - k if layout.reversed_numbering else k + 1
        z = layout.origin[2] + k * dz
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID(sop_uids[k])
        ds.InstanceNumber = number
        ds.ImagePositionPatient = [f"{layout.origin[0]:.3f}", f"{layout.origin[1]:.3f}", f"{z:.3f}"]
        ds.SliceLocation = f"{z:.3f}"
        ds.PixelData = _encode(slices[k], layout)
        write_dataset(ds, folder / f"{number}.dcm")


def write_localizer(folder: Path, hu: np.ndarray, layout: SeriesLayout, ident: Identity, info: StudyInfo,
                    ledger: Ledger, sop_uid: str) -> None:
    """A coronal projection scout: rows run from the top slice down, columns to the patient's left."""
    attenuation = np.clip(hu + 1000.0, 0, None).mean(axis=1)  # [X, Z]
    image = (attenuation[:, ::-1].T / 2000.0 * 4095.0).clip(0, 4095)  # [Z (top first), X]
    nx, _, nz = hu.shape
    dx, _, dz = layout.spacing
    ds = new_dataset(CT_STORAGE, sop_uid)
    _common(ds, ident, info, ledger, layout)
    ds.RescaleIntercept, ds.RescaleType = "0", "US"
    ds.PixelRepresentation = 0
    ds.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
    ds.InstanceNumber = 1
    top = layout.origin[2] + (nz - 1) * dz
    ds.ImagePositionPatient = [f"{layout.origin[0]:.3f}", "0", f"{top:.3f}"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "0", "-1"]
    ds.PixelSpacing = [f"{dz:g}", f"{dx:g}"]
    ds.Rows, ds.Columns = nz, nx
    ds.PixelData = np.round(image).astype("<u2").tobytes()
    write_dataset(ds, folder / "1.dcm")
