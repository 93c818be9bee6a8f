"""Write one radiograph view as a CR or DX DICOM file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from medvlp.data.synthetic.dicom_common import StudyInfo, add_patient_study, new_dataset, write_dataset
from medvlp.data.synthetic.phi import Identity, Ledger
from medvlp.data.synthetic.radiograph import Detector

CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
DX_STORAGE = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
ORIENTATION = {"PA": ["L", "F"], "AP": ["L", "F"], "LL": ["P", "F"]}


def radiograph_dataset(pixels: np.ndarray, modality: str, view: str, detector: Detector, pixel_mm: float,
                       series_uid: str, sop_uid: str, series_number: int, ident: Identity, info: StudyInfo,
                       ledger: Ledger) -> Dataset:
    """A complete CR/DX dataset around ``pixels`` (uint16 [rows, cols], stored values)."""
    ds = new_dataset(CR_STORAGE if modality == "CR" else DX_STORAGE, sop_uid)
    add_patient_study(ds, ident, info, ledger)
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.SeriesNumber = series_number
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.BodyPartExamined = "CHEST"
    ds.ViewPosition = view
    ds.PatientOrientation = ORIENTATION[view]
    if modality == "DX":
        ds.PresentationIntentType = "FOR PRESENTATION"
    spacing = [f"{pixel_mm:.4f}", f"{pixel_mm:.4f}"]
    ds.PixelSpacing = spacing
    if modality == "CR":
        ds.ImagerPixelSpacing = spacing
    top = (1 << detector.bits_stored) - 1
    ds.WindowCenter = str(top // 2)
    ds.WindowWidth = str(top)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1" if detector.monochrome1 else "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated = 16
    ds.BitsStored = detector.bits_stored
    ds.HighBit = detector.bits_stored - 1
    ds.PixelRepresentation = 0
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()
    return ds


def write_radiograph(path: Path, ds: Dataset) -> None:
    write_dataset(ds, path)
