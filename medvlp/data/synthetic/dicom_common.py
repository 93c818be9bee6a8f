"""Shared DICOM building blocks: file meta, patient/study modules with planted PHI, byte-stable writing."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import UID, ExplicitVRLittleEndian

from medvlp.data.synthetic.output import write_bytes
from medvlp.data.synthetic.phi import Identity, Ledger


@dataclass
class StudyInfo:
    """Study-level identifiers shared by every file of a study."""

    study_uid: str
    accession: str
    study_date: dt.date
    study_id: str  # short DICOM StudyID


def new_dataset(sop_class: str, sop_uid: str) -> Dataset:
    ds = Dataset()
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(sop_class)
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_uid
    ds.SpecificCharacterSet = "ISO_IR 100"
    return ds


def add_patient_study(ds: Dataset, ident: Identity, info: StudyInfo, ledger: Ledger) -> None:
    """Patient and study modules; every identifying value is recorded as ``dicom:<Keyword>``."""
    date = info.study_date.strftime("%Y%m%d")
    values = {
        "PatientName": f"{ident.last.upper()}^{ident.first.upper()}",
        "PatientID": ident.mrn,
        "PatientBirthDate": ident.birth_date.strftime("%Y%m%d"),
        "AccessionNumber": info.accession,
        "InstitutionName": ident.institution,
        "ReferringPhysicianName": person_name(ident.referrer),
        "StudyDate": date,
    }
    for keyword, value in values.items():
        setattr(ds, keyword, ledger.add(f"dicom:{keyword}", value))
    ds.PatientSex = ident.sex
    ds.StudyInstanceUID = info.study_uid
    ds.StudyID = info.study_id
    ds.StudyTime = "090000"
    ds.SeriesDate = ds.ContentDate = date
    ds.Manufacturer = "MEDVLP SYNTHETIC"


def person_name(doctor: str) -> str:
    """"Dr. J. Smith" -> "SMITH^J" (DICOM PN: family^given)."""
    parts = doctor.replace("Dr. ", "").replace(".", "").split()
    return "^".join([parts[-1].upper(), *[p.upper() for p in parts[:-1]]])


def write_dataset(ds: Dataset, path: Path) -> None:
    """Encode to bytes in memory (deterministic) and write atomically."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    write_bytes(path, buf.getvalue())
