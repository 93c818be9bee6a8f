"""TBX11K (tuberculosis): COCO JSON ``annotations/json/TBX11K_{train,val}.json`` + ``imgs/<file_name>``.

``file_name`` carries the class folder: ``health/`` (healthy), ``sick/`` (sick, not TB), ``tb/``
(tuberculosis). Tuberculosis has no CheXpert label: ``x_tuberculosis`` and ``x_sick_non_tb`` hold
the image class, healthy images get No Finding = 1. COCO boxes ``[x, y, w, h]`` become
``[x0, y0, x1, y1, x_<category>]`` (e.g. ``x_active_tuberculosis``). The JSON file names the split
(``val`` -> ``valid``); the unlabelled test images are not listed. Patient IDs are not published, so
``patient_id`` is the image stem.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path, PurePosixPath

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, extra_column, require_dir
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

JSON_DIR = "annotations/json"
JSON_FILES = {"TBX11K_train.json": "train", "TBX11K_val.json": "valid"}
FOLDER_LABELS: dict[str, Row] = {
    "health": {"x_tuberculosis": 0.0, "x_sick_non_tb": 0.0, "No Finding": 1.0},
    "sick": {"x_tuberculosis": 0.0, "x_sick_non_tb": 1.0, "No Finding": 0.0},
    "tb": {"x_tuberculosis": 1.0, "x_sick_non_tb": 0.0, "No Finding": 0.0},
}


def _load_coco(path: Path) -> tuple[list[dict[str, object]], dict[object, list[list[object]]]]:
    """COCO file -> (images, image id -> boxes)."""
    try:
        coco = json.loads(path.read_text(encoding="utf-8"))
        names = {c["id"]: extra_column(c["name"]) for c in coco["categories"]}
        images = coco["images"]
        ids = {image["id"] for image in images}
        boxes: dict[object, list[list[object]]] = defaultdict(list)
        for ann in coco.get("annotations", []):
            if ann["image_id"] not in ids or ann["category_id"] not in names:
                raise AnnotationFormatError(
                    path, f"annotation {ann.get('id')} names an unknown image/category"
                )
            x, y, w, h = (float(v) for v in ann["bbox"])
            boxes[ann["image_id"]].append([x, y, x + w, y + h, names[ann["category_id"]]])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise AnnotationFormatError(path, f"not a COCO annotation file: {exc!r}") from None
    return images, boxes


@ADAPTERS.register("tbx11k")
def build_tbx11k(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of the TBX11K images listed in the train/val COCO files (one row per image)."""
    root = require_dir(Path(root))
    files = [
        (root / JSON_DIR / name, split)
        for name, split in JSON_FILES.items()
        if (root / JSON_DIR / name).is_file()
    ]
    if not files:
        raise DatasetLayoutError(root / JSON_DIR, f"no {' or '.join(JSON_FILES)} found")
    rows: list[Row] = []
    skipped: list[Skip] = []
    for path, split in files:
        images, boxes = _load_coco(path)
        for image in images:
            file_name = PurePosixPath(str(image["file_name"]))
            rel = f"imgs/{file_name}"
            if not (root / rel).is_file():
                skipped.append(Skip(rel, f"listed in {path.name} but absent on disk"))
                continue
            folder = file_name.parts[0] if len(file_name.parts) > 1 else ""
            if folder not in FOLDER_LABELS:
                raise AnnotationFormatError(
                    path, f"{file_name}: class folder {folder!r} is not health/sick/tb"
                )
            rows.append(
                {
                    "image_path": rel,
                    "patient_id": file_name.stem,
                    "study_id": file_name.stem,
                    "split": split,
                    "boxes": json.dumps(boxes.get(image["id"], [])),
                    **FOLDER_LABELS[folder],
                }
            )
    return assemble("tbx11k", CHEXPERT, rows, skipped, root, split_file)
