"""Header-only scan of a folder tree into per-slice records, with a reason for every file left out.

Only headers are read (``stop_before_pixels``), so scanning a study costs a small fraction of decoding
it. Files that can never be part of a volume (DICOMDIR, localizers, derived images, secondary captures,
no pixel data, not DICOM at all) are recorded in ``ScanResult.skipped`` with a reason, never dropped
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.tag import Tag

from medvlp.io.dicom_file import PathLike, open_dicom, transfer_syntax
from medvlp.io.errors import BadGeometryError, ImagingInputError

DICOMDIR_CLASS = "1.2.840.10008.1.3.10"
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"  # SC, multi-frame SC (…7.1-7.4)
LOCALIZER_TYPES = {"LOCALIZER", "SCOUT", "SURVIEW", "TOPOGRAM", "SCANOGRAM", "REF_SURVIEW"}


# Only these are parsed during the scan (pydicom skips the values of everything else)
_SCAN_TAG_NAMES: list[str | tuple[int, int]] = [
    "SOPClassUID", "SOPInstanceUID", "ImageType", "Modality", "SeriesInstanceUID", "SeriesNumber",
    "SeriesDescription", "Rows", "Columns", "ImageOrientationPatient", "ImagePositionPatient", "PixelSpacing",
    "InstanceNumber", "EchoNumbers", "TemporalPositionIdentifier", "AcquisitionNumber", "SpacingBetweenSlices",
    "SliceThickness", "GantryDetectorTilt", "NumberOfFrames", "BitsAllocated", "BitsStored",
    "PixelRepresentation", "SamplesPerPixel", "RescaleSlope", "RescaleIntercept", "DirectoryRecordSequence",
    "PerFrameFunctionalGroupsSequence", "SpecificCharacterSet", "PatientID", "AccessionNumber",
    "StudyInstanceUID",
    (0x0019, 0x0010), (0x0019, 0x100A),  # Siemens: NumberOfImagesInMosaic
    (0x0029, 0x0010), (0x0029, 0x0011), (0x0029, 0x1010), (0x0029, 0x1110),  # Siemens CSA image header
]
SCAN_TAGS: list[object] = [Tag(t) for t in _SCAN_TAG_NAMES]  # pydicom would translate keywords per file


@dataclass(frozen=True)
class SkippedFile:
    """A file left out of every volume, and why (``code`` is machine-readable)."""

    path: str
    code: str
    reason: str


@dataclass(frozen=True)
class SliceHeader:
    """Geometry and grouping attributes of one image file (one slice, or one Siemens mosaic)."""

    path: str
    series_uid: str
    series_number: int
    sop_uid: str
    modality: str
    rows: int
    cols: int
    orientation: tuple[float, ...]  # ImageOrientationPatient: row cosine, column cosine (LPS)
    position: tuple[float, float, float]  # ImagePositionPatient (LPS, mm)
    pixel_spacing: tuple[float, float]  # (between rows, between columns) in mm
    instance_number: int
    echo_number: float
    temporal_position: float
    acquisition_number: int
    transfer_syntax: str
    n_mosaic: int = 0  # >0: a Siemens mosaic holding this many slices
    mosaic_normal: tuple[float, float, float] | None = None
    spacing_between_slices: float = 0.0
    slice_thickness: float = 0.0
    gantry_tilt: float = 0.0
    series_description: str = ""
    frames: int = 1
    bits_allocated: int = 16
    bits_stored: int = 16
    signed: bool = False
    samples: int = 1
    rescale: tuple[float, float] = (1.0, 0.0)  # (slope, intercept) from the header
    patient_id: str = ""  # identifiers: only ever leave medvlp.io through RecordIdentifiers
    accession_number: str = ""
    study_uid: str = ""

    @property
    def normal(self) -> np.ndarray:
        """Slice normal = row cosine x column cosine (unit vector, LPS)."""
        row, col = np.array(self.orientation[:3]), np.array(self.orientation[3:])
        n = np.cross(row, col)
        return n / np.linalg.norm(n)


@dataclass
class ScanResult:
    slices: list[SliceHeader] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    enhanced: list[str] = field(default_factory=list)  # enhanced multi-frame files: one volume each


def _floats(value: object, n: int) -> tuple[float, ...] | None:
    try:
        out = tuple(float(v) for v in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    return out if len(out) == n else None


def _number(ds: Dataset, name: str, default: float = 0.0) -> float:
    try:
        return float(ds.get(name, default) or default)
    except (TypeError, ValueError):
        return default


def skip_reason(ds: Dataset, include_derived: bool = False) -> tuple[str, str] | None:
    """(code, reason) when this dataset must not become part of a volume, else None."""
    media_class = str(getattr(ds, "file_meta", Dataset()).get("MediaStorageSOPClassUID", ""))
    if media_class == DICOMDIR_CLASS or "DirectoryRecordSequence" in ds:
        return "dicomdir", "DICOMDIR index file (no image)"
    sop_class = str(ds.get("SOPClassUID", media_class))
    if sop_class.startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary_capture", f"secondary capture image (SOPClassUID {sop_class})"
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    joined = "/".join(image_type)
    if LOCALIZER_TYPES.intersection(image_type):
        return "localizer", f"localizer/scout image (ImageType {joined})"
    if image_type and image_type[0] == "DERIVED" and not include_derived:
        return "derived", f"derived image (ImageType {joined})"
    if "PixelData" not in ds and "Rows" not in ds:
        return "no_pixel_data", "no image pixel module (not an image object)"
    enhanced = "PerFrameFunctionalGroupsSequence" in ds  # geometry lives in the functional groups
    if not enhanced and (ds.get("ImageOrientationPatient") is None or ds.get("ImagePositionPatient") is None):
        return "no_geometry", "no ImageOrientationPatient/ImagePositionPatient (not a cross-section)"
    return None


def _mosaic(ds: Dataset) -> tuple[int, tuple[float, float, float] | None]:
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    if "MOSAIC" not in image_type:
        return 0, None
    from medvlp.io.siemens import mosaic_info

    return mosaic_info(ds)


def header_from_dataset(ds: Dataset, path: PathLike) -> SliceHeader:
    orientation = _floats(ds.get("ImageOrientationPatient"), 6)
    position = _floats(ds.get("ImagePositionPatient"), 3)
    spacing = _floats(ds.get("PixelSpacing"), 2) or (1.0, 1.0)
    if orientation is None or position is None or not np.any(np.cross(orientation[:3], orientation[3:])):
        raise BadGeometryError(path, "unusable ImageOrientationPatient/ImagePositionPatient")
    n_mosaic, mosaic_normal = _mosaic(ds)
    return SliceHeader(
        path=str(path), series_uid=str(ds.get("SeriesInstanceUID", "")),
        series_number=int(_number(ds, "SeriesNumber")), sop_uid=str(ds.get("SOPInstanceUID", "")),
        modality=str(ds.get("Modality", "")), rows=int(ds.Rows), cols=int(ds.Columns),
        orientation=orientation, position=position,  # type: ignore[arg-type]
        pixel_spacing=(spacing[0], spacing[1]), instance_number=int(_number(ds, "InstanceNumber")),
        echo_number=_number(ds, "EchoNumbers"), temporal_position=_number(ds, "TemporalPositionIdentifier"),
        acquisition_number=int(_number(ds, "AcquisitionNumber")), transfer_syntax=transfer_syntax(ds),
        n_mosaic=n_mosaic, mosaic_normal=mosaic_normal,
        spacing_between_slices=_number(ds, "SpacingBetweenSlices"),
        slice_thickness=_number(ds, "SliceThickness"), gantry_tilt=_number(ds, "GantryDetectorTilt"),
        series_description=str(ds.get("SeriesDescription", "") or ""),
        frames=int(_number(ds, "NumberOfFrames", 1.0)),
        bits_allocated=int(_number(ds, "BitsAllocated", 16.0)),
        bits_stored=int(_number(ds, "BitsStored", _number(ds, "BitsAllocated", 16.0))),
        signed=int(_number(ds, "PixelRepresentation")) == 1, samples=int(_number(ds, "SamplesPerPixel", 1.0)),
        rescale=(_number(ds, "RescaleSlope", 1.0), _number(ds, "RescaleIntercept", 0.0)),
        patient_id=str(ds.get("PatientID", "") or ""), accession_number=str(ds.get("AccessionNumber", "") or ""),
        study_uid=str(ds.get("StudyInstanceUID", "") or ""),
    )


def scan_file(path: PathLike, result: ScanResult, include_derived: bool = False,
              accept_enhanced: bool = False) -> None:
    """Add one file's header (or its skip record) to ``result``.

    Enhanced multi-frame files go to ``result.enhanced`` with ``accept_enhanced`` (the caller then loads
    them with :func:`medvlp.io.enhanced.load_enhanced`), otherwise they are skipped with a reason.
    """
    try:
        ds = open_dicom(path, header_only=True, specific_tags=SCAN_TAGS)
        reason = skip_reason(ds, include_derived)
        if reason is not None:
            result.skipped.append(SkippedFile(str(path), *reason))
            return
        if int(_number(ds, "NumberOfFrames", 1.0)) > 1 and "PerFrameFunctionalGroupsSequence" in ds:
            if accept_enhanced:
                result.enhanced.append(str(path))
            else:
                result.skipped.append(SkippedFile(str(path), "enhanced_multiframe",
                                                  "enhanced multi-frame file (load with load_enhanced)"))
            return
        result.slices.append(header_from_dataset(ds, path))
    except ImagingInputError as exc:
        result.skipped.append(SkippedFile(str(path), exc.code, exc.reason))


def scan_folder(root: PathLike, include_derived: bool = False) -> ScanResult:
    """Scan every file below ``root`` (or the single file ``root``) in sorted path order."""
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    result = ScanResult()
    for path in files:
        scan_file(path, result, include_derived, accept_enhanced=True)
    return result
