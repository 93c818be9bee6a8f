"""CT-RATE (chest CT + reports): ``.nii.gz`` volumes, reports CSV, predicted multi-abnormality labels.

Published layout (Hugging Face ``ibrahimhamamci/CT-RATE``): ``dataset/{train,valid}/<patient>/<scan>/
<VolumeName>`` (e.g. ``train_1/train_1_a/train_1_a_1.nii.gz``), ``dataset/radiology_text_reports/
{train,validation}_reports.csv`` (``VolumeName, ClinicalInformation_EN, Technique_EN, Findings_EN,
Impressions_EN``) and ``dataset/multi_abnormality_labels/{train,valid}_predicted_labels.csv``
(``VolumeName`` + 18 abnormality columns, 0/1). Files are found by name anywhere under ``root``.
One row per volume; a scan's reconstructions (``_1``, ``_2``) are separate rows sharing the patient,
each with its own ``study_id`` (the volume stem) since labels are published per volume. The ten CT
label-set findings map by name; the other eight stay ``x_`` columns. The reports file names the split.
"""

from __future__ import annotations

from pathlib import Path

from medvlp.knowledge.findings import CT
from preprocessing.assemble import assemble
from preprocessing.common import Row, index_files, parse_label, read_table, require_dir
from preprocessing.errors import DatasetLayoutError
from preprocessing.iu_xray import report_text
from preprocessing.labelmap import class_labels
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

REPORT_FILES = {"train_reports.csv": "train", "validation_reports.csv": "valid", "valid_reports.csv": "valid"}
LABEL_FILES = ("train_predicted_labels.csv", "valid_predicted_labels.csv")
CLASSES = (
    "Medical material",
    "Arterial wall calcification",
    "Cardiomegaly",
    "Pericardial effusion",
    "Coronary artery wall calcification",
    "Hiatal hernia",
    "Lymphadenopathy",
    "Emphysema",
    "Atelectasis",
    "Lung nodule",
    "Lung opacity",
    "Pulmonary fibrotic sequela",
    "Pleural effusion",
    "Mosaic attenuation pattern",
    "Peribronchial thickening",
    "Consolidation",
    "Bronchiectasis",
    "Interlobular septal thickening",
)
TO_CT = {name: label for label in CT.labels for name in CLASSES if name.lower() == label.lower()}


def _volume_labels(csvs: dict[str, str], root: Path) -> dict[str, Row]:
    """VolumeName -> label row from every predicted-labels CSV present."""
    labels: dict[str, Row] = {}
    for name in LABEL_FILES:
        if name not in csvs:
            continue
        path = root / csvs[name]
        for record in read_table(path, ["VolumeName", *CLASSES]).to_dict("records"):
            present = [c for c in CLASSES if parse_label(record[c], path) == 1.0]
            labels[record["VolumeName"]] = class_labels(present, CLASSES, TO_CT)
    return labels


@ADAPTERS.register("ct_rate")
def build_ct_rate(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of CT-RATE volumes listed in the reports CSVs (one row per volume)."""
    root = require_dir(Path(root))
    files = index_files(root, (".csv", ".nii.gz"))  # one walk over the (large) tree
    reports = [(root / files[name], split) for name, split in REPORT_FILES.items() if name in files]
    if not reports:
        raise DatasetLayoutError(root / "train_reports.csv", "no CT-RATE reports CSV found under root")
    labels = _volume_labels(files, root)
    rows: list[Row] = []
    skipped: list[Skip] = []
    for path, split in reports:
        table = read_table(path, ["VolumeName", "Findings_EN", "Impressions_EN"])
        for record in table.to_dict("records"):
            name = record["VolumeName"]
            if not name.endswith(".nii.gz") or name not in files:
                skipped.append(Skip(name, f"listed in {path.name} but absent on disk"))
                continue
            stem = name.removesuffix(".nii.gz")
            rows.append(
                {
                    "image_path": files[name],
                    "report": report_text(record["Findings_EN"], record["Impressions_EN"]),
                    "patient_id": "_".join(stem.split("_")[:2]),
                    "study_id": stem,
                    "split": split,
                    **labels.get(name, {}),
                }
            )
    return assemble("ct_rate", CT, rows, skipped, root, split_file)
