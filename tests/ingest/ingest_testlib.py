"""Ingest test helpers: a tiny hospital-style export (pydicom/nibabel/Pillow) with planted PHI.

The PHI values are returned so tests can grep every output byte for them; ``n_extra`` adds plain CR
studies so a run lasts long enough to be killed part-way.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import nibabel as nib
import numpy as np
import pyarrow.parquet as pq
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PHI = ["Doe^Jane", "Jane Doe", "MRN4471923", "ACC99817", "Roe^Richard", "Richard Roe", "MRN5550123",
       "ACC55501", "Saint Elsewhere Hospital", "555-867-5309"]


def _dicom(path: Path, pixels: np.ndarray, **attrs: object) -> None:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = attrs.pop("SOPClassUID", "1.2.840.10008.5.1.4.1.1.1")
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[str(path)])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    for key, value in attrs.items():
        setattr(ds, key, value)
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def _patient(name: str, mrn: str, accession: str, study_uid: str) -> dict[str, object]:
    return {"PatientName": name, "PatientID": mrn, "AccessionNumber": accession, "StudyInstanceUID": study_uid,
            "InstitutionName": "Saint Elsewhere Hospital", "PatientBirthDate": "19600102"}


def make_export(root: Path, seed: int = 0, n_extra: int = 0) -> list[str]:
    """Write the export under ``root``; returns the planted PHI strings."""
    rng = np.random.default_rng(seed)
    s1, s2 = generate_uid(entropy_srcs=["s1"]), generate_uid(entropy_srcs=["s2"])
    cxr = root / "cxr" / "p001" / "st001"
    for n, view in enumerate(["PA", "LL"]):
        _dicom(cxr / "ser1" / f"{n}.dcm", rng.integers(0, 4000, (40, 30)), Modality="CR", ViewPosition=view,
               SeriesInstanceUID=generate_uid(entropy_srcs=["cxr1", view]), InstanceNumber=n + 1,
               **_patient("Doe^Jane", "MRN4471923", "ACC99817", s1))
    (cxr / "report.txt").write_text(
        "Patient: Jane Doe  MRN: MRN4471923  Accession ACC99817\nCall 555-867-5309 with results.\n"
        "FINDINGS: Small left pleural effusion. Heart size is normal.\nIMPRESSION: Left pleural effusion.\n")
    ct = root / "ct" / "p002" / "st002"
    series = generate_uid(entropy_srcs=["ct-series"])
    for k in range(6):
        _dicom(ct / "s1" / f"{k}.dcm", rng.integers(0, 2000, (16, 16)), Modality="CT", SeriesInstanceUID=series,
               SeriesNumber=1, InstanceNumber=6 - k, ImageOrientationPatient=[1, 0, 0, 0, 1, 0],
               ImagePositionPatient=[-20.0, -20.0, 5.0 * k], PixelSpacing=[2.5, 2.5], SliceThickness=5.0,
               RescaleSlope=1, RescaleIntercept=-1024, ImageType=["ORIGINAL", "PRIMARY", "AXIAL"],
               SOPClassUID="1.2.840.10008.5.1.4.1.1.2", **_patient("Roe^Richard", "MRN5550123", "ACC55501", s2))
    _dicom(ct / "s0" / "0.dcm", rng.integers(0, 2000, (16, 20)), Modality="CT",
           SeriesInstanceUID=generate_uid(entropy_srcs=["scout"]), SeriesNumber=0, InstanceNumber=1,
           ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"], ImageOrientationPatient=[1, 0, 0, 0, 0, -1],
           ImagePositionPatient=[0.0, 0.0, 0.0], PixelSpacing=[1.0, 1.0], SOPClassUID="1.2.840.10008.5.1.4.1.1.2",
           **_patient("Roe^Richard", "MRN5550123", "ACC55501", s2))
    (ct / "report.txt").write_text("Patient Richard Roe, seen at Saint Elsewhere Hospital.\n"
                                   "FINDINGS: Small right pleural effusion. No lung nodule.\nIMPRESSION: Effusion.\n")
    nifti = root / "ct" / "nifti"
    nifti.mkdir(parents=True)
    image = nib.Nifti1Image(rng.integers(-1000, 1000, (12, 10, 5)).astype(np.int16), np.diag([3.0, 3.0, 5.0, 1.0]))
    (nifti / "ct-000009.nii.gz").write_bytes(gzip.compress(image.to_bytes(), mtime=0))
    (root / "reports.csv").write_text("study_key,accession_number,study_instance_uid,report\n"
                                      "ct-000009,,,\"FINDINGS: Emphysema. No pleural effusion.\"\n")
    bad = root / "cxr" / "p003" / "st003"
    (bad / "ser1").mkdir(parents=True)
    (bad / "ser1" / "0.dcm").write_bytes(b"not a dicom file at all" * 10)
    (bad / "report.txt").write_text("FINDINGS: Normal chest.\n")
    png = root / "png" / "st004"
    png.mkdir(parents=True)
    Image.fromarray(rng.integers(0, 255, (30, 50)).astype(np.uint8)).save(png / "frontal.png")
    (png / "report.txt").write_text("FINDINGS: Cardiomegaly.\n")
    cut = root / "png" / "st005"
    cut.mkdir()
    (cut / "frontal.png").write_bytes((png / "frontal.png").read_bytes()[:300])  # truncated PNG
    (cut / "report.txt").write_text("FINDINGS: Edema.\n")
    (root / "DICOMDIR").write_bytes(b"\0" * 200)
    (root / "notes.xyz").write_text("irrelevant")
    for i in range(n_extra):
        study = root / "extra" / f"p{i % 7:03d}" / f"st{i:03d}"
        _dicom(study / "a" / "0.dcm", rng.integers(0, 4000, (64, 48)), Modality="DX", ViewPosition="PA",
               SeriesInstanceUID=generate_uid(entropy_srcs=["x", str(i)]), InstanceNumber=1,
               **_patient("Doe^Jane", f"MRN{i % 7:07d}", f"ACCX{i:05d}", generate_uid(entropy_srcs=["xs", str(i)])))
        (study / "report.txt").write_text(f"Patient Jane Doe. FINDINGS: {'Cardiomegaly' if i % 3 else 'No effusion'}.\n")
    return PHI


SECRET = b"test-secret-0123456789abcdef"


def committed_outputs(out: Path) -> dict[str, bytes]:
    """Shards, manifest and splits (what a training job reads), by relative path."""
    files = [*sorted((out / "shards").glob("*.tar")), out / "manifest.parquet", out / "manifest.csv", out / "splits.json"]
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in files}


def _expand(name: str, data: bytes) -> list[bytes]:
    chunks = [data]
    if name.endswith(".tar"):
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                fh = tar.extractfile(member)
                if fh is not None:
                    chunks += _expand(member.name, fh.read())
                chunks.append(member.name.encode())
    if name.endswith(".parquet"):
        table = pq.read_table(io.BytesIO(data))
        chunks.append(str(table.to_pylist()).encode())
    return chunks


def every_output_byte(out: Path) -> list[bytes]:
    """Every file under ``out`` (including the cache), expanded through tars and parquet, plus names."""
    chunks = []
    for path in sorted(out.rglob("*")):
        chunks.append(path.relative_to(out).as_posix().encode())
        if path.is_file():
            chunks += _expand(path.name, path.read_bytes())
    return chunks


def find_phi(chunks: list[bytes], phi: list[str]) -> list[str]:
    found = []
    for value in phi:
        variants = {value, value.replace("^", " "), value.upper(), value.lower()}
        if any(v.encode() in c or v.upper().encode() in c.upper() for c in chunks for v in variants if len(v) >= 4):
            found.append(value)
    return found
