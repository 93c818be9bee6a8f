"""Plain, picklable descriptions of the ingest work: input files, image units and study tasks.

Raw identifiers (PatientID, StudyInstanceUID, accession) live only in these in-memory objects and
are pseudonymised inside :func:`medvlp.ingest.process.process_study`; they are never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FileKind = Literal["dicom", "nifti", "raster", "mask", "report", "table", "manifest", "other", "missing"]
UnitKind = Literal["radiograph", "volume_dicom", "volume_nifti"]


@dataclass(frozen=True)
class InputFile:
    """One file found under SOURCE; ``index`` is its manifest row (inputs sorted by ``rel``)."""

    index: int
    rel: str  # posix path relative to SOURCE (or "ext:<hash>" for files outside it)
    path: str  # absolute path, used for reading only
    kind: FileKind


@dataclass
class ImageUnit:
    """The files making one training sample: one radiograph, or one volume (DICOM series / NIfTI)."""

    kind: UnitKind
    files: list[int]  # source indices
    view_position: str = ""
    mask: int | None = None  # source index of its segmentation mask file (radiographs)
    boxes: str | None = None  # JSON boxes from a source manifest, rasterised at ingest


@dataclass
class StudyTask:
    """One study: its image units, its report (text or file) and what links them."""

    ref: str  # raw study reference (UID / folder key / manifest study id); never written
    patient: str  # raw patient identifier (or the study reference when unknown); never written
    units: list[ImageUnit] = field(default_factory=list)
    report_text: str | None = None
    report_file: int | None = None  # source index of report.txt
    split: str | None = None  # official split (source manifest) or the hash split
    labels: dict[str, float] | None = None  # given labels (source manifest); else the labeler's
    label_set: str = "chexpert"
    paths: dict[int, str] = field(default_factory=dict)  # source index -> absolute path
    rels: dict[int, str] = field(default_factory=dict)  # source index -> recorded path
    skipped: dict[int, tuple[str, str]] = field(default_factory=dict)  # index -> (status, reason)

    @property
    def first_index(self) -> int:
        return min([*self.paths, *self.skipped]) if (self.paths or self.skipped) else -1
