"""Study tasks from a source-manifest CSV (written by the dataset adapters in ``preprocessing/``)."""

from __future__ import annotations

from pathlib import Path

from medvlp.ingest.source_manifest import SourceRow
from medvlp.ingest.tasks import ImageUnit, InputFile, StudyTask, UnitKind
from medvlp.knowledge.findings import CHEXPERT, CT


def _label_set(row: SourceRow, units: list[ImageUnit]) -> str:
    if any(u.kind != "radiograph" for u in units):
        return CT.name
    names = set(row.labels)
    return CT.name if names and names <= set(CT.labels) and not names <= set(CHEXPERT.labels) else CHEXPERT.name


def tasks_from_rows(rows: list[SourceRow], files: list[InputFile]) -> tuple[list[StudyTask], set[int]]:
    """One task per study id (rows sharing ``study_id`` are merged); returns the claimed indices."""
    index = {str(Path(f.path).resolve()): f for f in files if f.kind != "missing"}
    by_study: dict[str, StudyTask] = {}
    claimed: set[int] = set()
    for row in rows:
        ref = row.study_id or row.accession_number or f"row:{row.row}"
        units = []
        for image in row.image_paths:
            image = image.resolve()
            if image.is_dir():
                members = [index[str(p.resolve())].index for p in sorted(image.rglob("*")) if str(p.resolve()) in index]
                units.append(ImageUnit("volume_dicom", members))
            elif str(image) in index:
                kind: UnitKind = "volume_nifti" if index[str(image)].kind == "nifti" else "radiograph"
                unit = ImageUnit(kind, [index[str(image)].index], row.view_position or "")
                if kind == "radiograph":  # 2D annotations (read_source_manifest checked: one image per row)
                    mask = str(row.mask_path.resolve()) if row.mask_path is not None else None
                    unit.mask = index[mask].index if mask is not None and mask in index else None
                    unit.boxes = row.extras.get("boxes")
                units.append(unit)
        task = by_study.get(ref)
        if task is None:
            task = StudyTask(ref=ref, patient=row.patient_id or f"study:{ref}", split=row.split,
                             labels=dict(row.labels) or None, report_text=row.report)
            by_study[ref] = task
        task.units.extend(units)
        task.label_set = _label_set(row, task.units)
        if row.report_path is not None and str(row.report_path.resolve()) in index:
            task.report_file = index[str(row.report_path.resolve())].index
    by_index = {f.index: f for f in files}
    for task in by_study.values():
        masks = [u.mask for u in task.units if u.mask is not None]
        for i in [j for u in task.units for j in u.files] + masks + (
                [task.report_file] if task.report_file is not None else []):
            task.paths[i], task.rels[i] = by_index[i].path, by_index[i].rel
            claimed.add(i)
    return sorted(by_study.values(), key=lambda t: t.first_index), claimed
