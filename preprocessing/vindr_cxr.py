"""VinDr-CXR: box annotations by several radiologists per image, DICOMs named ``<image_id>.dicom``.

Two published layouts are read: the Kaggle challenge (``train.csv`` with ``image_id, class_name,
class_id, rad_id, x_min, y_min, x_max, y_max``; ``train/*.dicom``) and PhysioNet v1.0.0
(``annotations/annotations_{train,test}.csv``; ``{train,test}/*.dicom``). The file decides the split.
Image labels are the union over radiologists (a class is positive if any reader marked it; No
Finding only if no reader marked anything else); readers rated every class, so absent = 0. Every
reader's box is kept. Mapping: Nodule/Mass -> Lung Lesion, Pleural effusion -> Pleural Effusion,
Pleural thickening -> Pleural Other, rib/clavicle fracture -> Fracture; other classes (Aortic
enlargement, ILD, Infiltration, Calcification, ...) stay ``x_``. Images carry no patient IDs, so
``patient_id`` is the image id; the view is not read (headers are largely stripped).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, index_files, read_table, require_dir
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError
from preprocessing.labelmap import class_labels, column_for
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

TABLES = (
    ("train.csv", "train"),
    ("annotations/annotations_train.csv", "train"),
    ("annotations/annotations_test.csv", "test"),
)
NO_FINDING = "No finding"
CLASSES = (
    "Aortic enlargement",
    "Atelectasis",
    "Calcification",
    "Cardiomegaly",
    "Consolidation",
    "ILD",
    "Infiltration",
    "Lung Opacity",
    "Nodule/Mass",
    "Other lesion",
    "Pleural effusion",
    "Pleural thickening",
    "Pneumothorax",
    "Pulmonary fibrosis",
    NO_FINDING,
)
TO_CHEXPERT = {
    NO_FINDING: "No Finding",
    "Atelectasis": "Atelectasis",
    "Cardiomegaly": "Cardiomegaly",
    "Consolidation": "Consolidation",
    "Lung Opacity": "Lung Opacity",
    "Nodule/Mass": "Lung Lesion",
    "Pleural effusion": "Pleural Effusion",
    "Pleural thickening": "Pleural Other",
    "Pneumothorax": "Pneumothorax",
    "Edema": "Edema",
    "Pneumonia": "Pneumonia",
    "Rib fracture": "Fracture",
    "Clavicle fracture": "Fracture",
}
BOX_COLUMNS = ["x_min", "y_min", "x_max", "y_max"]


def _image_row(image_id: str, group: pd.DataFrame, classes: tuple[str, ...], path: Path) -> Row:
    records = group.to_dict("records")
    present = {r["class_name"] for r in records}
    if present - {NO_FINDING}:
        present.discard(NO_FINDING)  # one reader's "no finding" is outvoted by another's finding
    boxes = []
    for r in records:
        if all(r[c].strip() for c in BOX_COLUMNS):
            try:
                coords = [float(r[c]) for c in BOX_COLUMNS]
            except ValueError:
                raise AnnotationFormatError(path, f"non-numeric box for {image_id}") from None
            boxes.append([*coords, column_for(r["class_name"], TO_CHEXPERT)])
    return {
        "patient_id": image_id,
        "study_id": image_id,
        "boxes": json.dumps(boxes),
        **class_labels(present, classes, TO_CHEXPERT),
    }


@ADAPTERS.register("vindr_cxr")
def build_vindr_cxr(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of VinDr-CXR images (one row per image, all readers' boxes)."""
    root = require_dir(Path(root))
    tables = [(root / rel, split) for rel, split in TABLES if (root / rel).is_file()]
    if not tables:
        raise DatasetLayoutError(
            root / TABLES[0][0],
            f"no VinDr-CXR annotation CSV found (looked for {', '.join(rel for rel, _ in TABLES)})",
        )
    images = index_files(root, (".dicom", ".dcm"))
    rows: list[Row] = []
    skipped: list[Skip] = []
    for path, split in tables:
        table = read_table(path, ["image_id", "class_name", *BOX_COLUMNS])
        classes = tuple(dict.fromkeys([*CLASSES, *sorted(set(table["class_name"]))]))
        for image_id, group in table.groupby("image_id", sort=True):
            name = next((n for n in (f"{image_id}.dicom", f"{image_id}.dcm") if n in images), None)
            if name is None:
                skipped.append(Skip(f"{image_id}.dicom", f"listed in {path.name} but absent on disk"))
                continue
            row = _image_row(image_id, group, classes, path)
            rows.append({"image_path": images[name], "split": split, **row})
    return assemble("vindr_cxr", CHEXPERT, rows, skipped, root, split_file)
