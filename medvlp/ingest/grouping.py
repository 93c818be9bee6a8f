"""Group the inventory into studies: DICOM by StudyInstanceUID, rasters by folder, NIfTI per file.

Reports are linked by (first match wins) a report file in the study folder or an ancestor below
SOURCE, then the report table by accession number, StudyInstanceUID, study folder key.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath

from medvlp.errors import InputError
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.reports_table import ReportTable
from medvlp.ingest.tasks import ImageUnit, InputFile, StudyTask
from medvlp.io.dicom_file import open_dicom

HEADER_TAGS = ("StudyInstanceUID", "SeriesInstanceUID", "Modality", "PatientID", "AccessionNumber",
               "ImageType", "ViewPosition", "NumberOfFrames", "SOPClassUID")
RADIOGRAPH_MODALITIES = {"CR", "DX", "RG", "MG", "XA", "RF", "OT", "SC"}
SUFFIXES_NIFTI = (".nii.gz", ".nii")


@dataclass
class DicomHeader:
    study_uid: str
    series_uid: str
    modality: str
    patient: str
    accession: str
    image_type: str
    view: str


def read_header(path: str) -> DicomHeader:
    ds = open_dicom(path, header_only=True, specific_tags=list(HEADER_TAGS))
    image_type = ds.get("ImageType", "")
    image_type = "\\".join(image_type) if not isinstance(image_type, str) else image_type
    return DicomHeader(str(ds.get("StudyInstanceUID", "") or ""), str(ds.get("SeriesInstanceUID", "") or ""),
                       str(ds.get("Modality", "") or "").upper(), str(ds.get("PatientID", "") or ""),
                       str(ds.get("AccessionNumber", "") or ""), image_type.upper(),
                       str(ds.get("ViewPosition", "") or ""))


def _parent(rel: str) -> str:
    return str(PurePosixPath(rel).parent)


def _report_for(folder: str, reports_by_dir: dict[str, int]) -> tuple[str, int | None]:
    """Walk up from ``folder`` to the first folder holding a report file: (study folder, report index)."""
    path = PurePosixPath(folder)
    for candidate in [path, *path.parents]:
        key = str(candidate)
        if key in reports_by_dir:
            return key, reports_by_dir[key]
    return folder, None


def _common_folder(rels: list[str]) -> str:
    parts = [PurePosixPath(r).parent.parts for r in rels]
    common = []
    for level in zip(*parts):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return str(PurePosixPath(*common)) if common else "."


def _dicom_units(headers: dict[int, DicomHeader], cfg: IngestConfig) -> tuple[list[ImageUnit], dict[int, tuple[str, str]]]:
    series: dict[str, list[int]] = defaultdict(list)
    for index, h in sorted(headers.items()):
        series[h.series_uid].append(index)
    units: list[ImageUnit] = []
    skipped: dict[int, tuple[str, str]] = {}
    for uid in sorted(series, key=lambda u: series[u][0]):
        members = series[uid]
        first = headers[members[0]]
        if "LOCALIZER" in first.image_type or "SCOUT" in first.image_type:
            skipped.update({i: ("skipped", "localizer") for i in members})
        elif first.modality in RADIOGRAPH_MODALITIES:
            units.extend(ImageUnit("radiograph", [i], headers[i].view) for i in members)
        elif len(members) < cfg.preprocess_3d.min_slices:
            skipped.update({i: ("skipped", "too_few_slices") for i in members})
        else:
            units.append(ImageUnit("volume_dicom", members))
    return units, skipped


def group_studies(
    files: list[InputFile], done: dict[int, tuple[str, str]], table: ReportTable, cfg: IngestConfig
) -> tuple[list[StudyTask], dict[int, tuple[str, str]]]:
    """Study tasks plus ``{index: (status, reason)}`` for files in no study (bad headers, unsupported)."""
    outcome: dict[int, tuple[str, str]] = {}
    reports_by_dir = {_parent(f.rel): f.index for f in files if f.kind == "report" and f.index not in done}
    by_index = {f.index: f for f in files}
    dicom_studies: dict[str, dict[int, DicomHeader]] = defaultdict(dict)
    raster_studies: dict[str, list[int]] = defaultdict(list)
    tasks: list[StudyTask] = []
    for f in files:
        if f.index in done:
            continue
        if f.kind == "dicom":
            try:
                h = read_header(f.path)
            except InputError as exc:
                outcome[f.index] = ("error", exc.code)
                continue
            dicom_studies[h.study_uid or "folder:" + _parent(f.rel)][f.index] = h
        elif f.kind == "raster":
            raster_studies[_report_for(_parent(f.rel), reports_by_dir)[0]].append(f.index)
        elif f.kind == "nifti":
            name = PurePosixPath(f.rel).name
            key = next(name[: -len(s)] for s in SUFFIXES_NIFTI if name.endswith(s))
            folder, report = _report_for(_parent(f.rel), reports_by_dir)
            task = StudyTask(ref="nifti:" + key, patient="study:" + key, label_set="ct",
                             units=[ImageUnit("volume_nifti", [f.index])], report_file=report)
            task.report_text = None if report is not None else table.lookup(study_key=key)
            tasks.append(task)
    for uid, headers in dicom_studies.items():
        rels = [by_index[i].rel for i in headers]
        folder, report = _report_for(_common_folder(rels), reports_by_dir)
        first = headers[min(headers)]
        units, skipped = _dicom_units(headers, cfg)
        task = StudyTask(ref=uid, patient=first.patient or "study:" + uid, units=units, report_file=report,
                         label_set="ct" if any(u.kind != "radiograph" for u in units) else "chexpert",
                         skipped=skipped)
        if report is None:
            task.report_text = table.lookup(first.accession, uid, PurePosixPath(folder).name)
        tasks.append(task)
    for folder, indices in raster_studies.items():
        _, report = _report_for(folder, reports_by_dir)
        task = StudyTask(ref="folder:" + folder, patient="folder:" + str(PurePosixPath(folder).parent),
                         units=[ImageUnit("radiograph", [i]) for i in sorted(indices)], report_file=report)
        if report is None:
            task.report_text = table.lookup(study_key=PurePosixPath(folder).name)
        tasks.append(task)
    for task in tasks:
        for i in [j for u in task.units for j in u.files] + list(task.skipped):
            task.paths[i], task.rels[i] = by_index[i].path, by_index[i].rel
        if task.report_file is not None:
            task.paths[task.report_file] = by_index[task.report_file].path
            task.rels[task.report_file] = by_index[task.report_file].rel
    tasks.sort(key=lambda t: t.first_index)
    return tasks, outcome
