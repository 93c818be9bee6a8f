"""NIH ChestX-ray14: ``Data_Entry_2017.csv``, ``BBox_List_2017.csv``, train_val/test lists.

Images are found by name anywhere under ``root`` (``images/`` or the Kaggle ``images_0NN/images/``).
Every image is its own study (no reports). The 14 NLP-mined classes are exhaustive, so absent
classes are negatives. Mapping: Effusion -> Pleural Effusion, Pleural_Thickening -> Pleural Other,
Mass/Nodule -> Lung Lesion (also kept as ``x_mass``/``x_nodule``); Infiltration, Emphysema,
Fibrosis, Hernia have no CheXpert counterpart and stay ``x_`` columns. ``train_val_list.txt`` is the
official train split (NIH publishes no separate validation list). Boxes (``Bbox [x,y,w,h]``, ~1k
images) become ``[x0, y0, x1, y1, label]`` with the label's manifest column name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, find_first, index_files, read_table, require_dir
from preprocessing.errors import AnnotationFormatError
from preprocessing.labelmap import class_labels, column_for
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

CLASSES = (
    "Atelectasis",
    "Cardiomegaly",
    "Effusion",
    "Infiltration",
    "Mass",
    "Nodule",
    "Pneumonia",
    "Pneumothorax",
    "Consolidation",
    "Edema",
    "Emphysema",
    "Fibrosis",
    "Pleural_Thickening",
    "Hernia",
    "No Finding",
)
TO_CHEXPERT = {
    "No Finding": "No Finding",
    "Atelectasis": "Atelectasis",
    "Cardiomegaly": "Cardiomegaly",
    "Effusion": "Pleural Effusion",
    "Pneumonia": "Pneumonia",
    "Pneumothorax": "Pneumothorax",
    "Consolidation": "Consolidation",
    "Edema": "Edema",
    "Pleural_Thickening": "Pleural Other",
    "Mass": "Lung Lesion",
    "Nodule": "Lung Lesion",
}
BOX_ALIASES = {"Infiltrate": "Infiltration"}  # the box list spells this class differently


def _boxes(root: Path) -> dict[str, list[list[object]]]:
    path = root / "BBox_List_2017.csv"
    if not path.is_file():
        return {}
    table = read_table(path, ["Image Index", "Finding Label"])
    if table.shape[1] < 6:
        raise AnnotationFormatError(path, "expected Bbox x, y, w, h in columns 3-6")
    boxes: dict[str, list[list[object]]] = defaultdict(list)
    for values in table.itertuples(index=False):
        try:
            x, y, w, h = (float(v) for v in values[2:6])
        except ValueError:
            raise AnnotationFormatError(path, f"non-numeric box for {values[0]}") from None
        label = column_for(BOX_ALIASES.get(values[1], values[1]), TO_CHEXPERT)
        boxes[values[0]].append([x, y, x + w, y + h, label])
    return boxes


def _official_splits(root: Path) -> dict[str, str]:
    split_of: dict[str, str] = {}
    for name, split in (("train_val_list.txt", "train"), ("test_list.txt", "test")):
        if (root / name).is_file():
            split_of.update(
                (line.strip(), split) for line in (root / name).read_text().splitlines() if line.strip()
            )
    return split_of


@ADAPTERS.register("nih_cxr14", aliases=("chestx_ray14",))
def build_nih_cxr14(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of NIH ChestX-ray14 images (one row per image)."""
    root = require_dir(Path(root))
    entry_file = find_first(root, ["Data_Entry_2017.csv", "Data_Entry_2017_v2020.csv"], "NIH label file")
    table = read_table(entry_file, ["Image Index", "Finding Labels", "Patient ID", "View Position"])
    images, boxes, split_of = index_files(root, (".png",)), _boxes(root), _official_splits(root)
    rows: list[Row] = []
    skipped: list[Skip] = []
    for record in table.to_dict("records"):
        name = record["Image Index"]
        if name not in images:
            skipped.append(Skip(name, f"listed in {entry_file.name} but absent on disk"))
            continue
        present = [c.strip() for c in record["Finding Labels"].split("|")]
        unknown = set(present) - set(CLASSES)
        if unknown:
            raise AnnotationFormatError(entry_file, f"{name}: unknown classes {sorted(unknown)}")
        row: Row = {
            "image_path": images[name],
            "patient_id": record["Patient ID"],
            "study_id": Path(name).stem,
            "split": split_of.get(name, ""),
            "view_position": record["View Position"],
            "boxes": json.dumps(boxes[name]) if name in boxes else "",
        }
        row.update(class_labels(present, CLASSES, TO_CHEXPERT))
        rows.append(row)
    return assemble("nih_cxr14", CHEXPERT, rows, skipped, root, split_file)
