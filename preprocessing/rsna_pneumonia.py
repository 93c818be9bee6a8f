"""RSNA Pneumonia Detection: ``stage_2_train_labels.csv`` (``patientId,x,y,width,height,Target``) + DICOMs.

DICOMs are ``stage_2_train_images/<patientId>.dcm`` (found by name anywhere under ``root``). A
patient has one row per opacity box, or one ``Target=0`` row with empty box. ``Target`` is "lung
opacity suggestive of pneumonia": it sets both Pneumonia and Lung Opacity (the challenge's
``stage_2_detailed_class_info.csv``, if present, adds No Finding from its ``Normal`` class and keeps
``No Lung Opacity / Not Normal`` as ``x_not_normal``). No official split: test labels were never
released. The view (AP/PA) comes from the DICOM header.
"""

from __future__ import annotations

import json
from pathlib import Path

from medvlp.io.errors import ImagingInputError
from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, index_files, read_table, require_dir
from preprocessing.dicom_header import dicom_fields
from preprocessing.errors import AnnotationFormatError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

LABELS_FILE = "stage_2_train_labels.csv"
CLASS_FILE = "stage_2_detailed_class_info.csv"


def _detailed_classes(root: Path) -> dict[str, str]:
    if not (root / CLASS_FILE).is_file():
        return {}
    table = read_table(root / CLASS_FILE, ["patientId", "class"])
    return dict(zip(table["patientId"], table["class"]))


def _labels(target: bool, detailed: str | None) -> Row:
    row: Row = {"Pneumonia": float(target), "Lung Opacity": float(target)}
    if detailed is not None:
        row["No Finding"] = float(detailed == "Normal")
        row["x_not_normal"] = float(detailed == "No Lung Opacity / Not Normal")
    return row


@ADAPTERS.register("rsna_pneumonia")
def build_rsna_pneumonia(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of RSNA Pneumonia images (one row per patientId, boxes in ``boxes``)."""
    root = require_dir(Path(root))
    table = read_table(root / LABELS_FILE, ["patientId", "x", "y", "width", "height", "Target"])
    detailed, images = _detailed_classes(root), index_files(root, (".dcm",))
    rows: list[Row] = []
    skipped: list[Skip] = []
    for patient, group in table.groupby("patientId", sort=True):
        name = f"{patient}.dcm"
        if name not in images:
            skipped.append(Skip(name, f"listed in {LABELS_FILE} but absent on disk"))
            continue
        try:
            header = dicom_fields(root / images[name], ["ViewPosition"])
            boxes = [
                [float(x), float(y), float(x) + float(w), float(y) + float(h), "Pneumonia"]
                for x, y, w, h, t in group[["x", "y", "width", "height", "Target"]].values
                if t == "1"
            ]
        except ImagingInputError as exc:
            skipped.append(Skip(images[name], f"{exc.code}: {exc.reason}"))
            continue
        except ValueError:
            raise AnnotationFormatError(root / LABELS_FILE, f"non-numeric box for {patient}") from None
        row: Row = {
            "image_path": images[name],
            "patient_id": patient,
            "study_id": patient,
            "view_position": header["ViewPosition"],
            "boxes": json.dumps(boxes),
        }
        row.update(_labels(bool(boxes), detailed.get(patient)))
        rows.append(row)
    return assemble("rsna_pneumonia", CHEXPERT, rows, skipped, root, split_file)
