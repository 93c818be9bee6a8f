"""Object-CXR (foreign objects on chest X-rays): ``train.csv`` / ``dev.csv`` with ``image_name, annotation``.

Images are ``train/<image_name>`` and ``dev/<image_name>`` (dev = the published validation split).
``annotation`` lists objects separated by ``;``, each ``TYPE x1 y1 x2 y2 ...`` with TYPE 0 =
rectangle (two corners), 1 = ellipse (its bounding box corners), 2 = polygon (vertices); empty = no
foreign object. Foreign objects have no CheXpert label (they are not support devices): the image
label is ``x_foreign_object`` and every object becomes the bounding box of its shape.
"""

from __future__ import annotations

import json
from pathlib import Path

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, read_table, require_dir
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS

TABLES = {"train.csv": ("train", "train"), "dev.csv": ("dev", "valid")}
LABEL = "x_foreign_object"
SHAPES = {0: "rectangle", 1: "ellipse", 2: "polygon"}


def parse_annotation(text: str) -> list[list[object]]:
    """Object-CXR annotation string -> ``[x0, y0, x1, y1, 'x_foreign_object']`` bounding boxes."""
    boxes: list[list[object]] = []
    for obj in filter(None, (part.strip() for part in text.split(";"))):
        try:
            shape, *coords = (float(tok) for tok in obj.split())
        except ValueError:
            raise AnnotationFormatError(None, f"non-numeric object {obj!r}") from None
        if int(shape) not in SHAPES or len(coords) < 4 or len(coords) % 2:
            raise AnnotationFormatError(None, f"object {obj!r} is not 'TYPE x1 y1 x2 y2 ...' (TYPE 0/1/2)")
        xs, ys = coords[0::2], coords[1::2]
        boxes.append([min(xs), min(ys), max(xs), max(ys), LABEL])
    return boxes


@ADAPTERS.register("object_cxr")
def build_object_cxr(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of Object-CXR images (one row per image, boxes from every annotated shape)."""
    root = require_dir(Path(root))
    tables = [(root / name, *where) for name, where in TABLES.items() if (root / name).is_file()]
    if not tables:
        raise DatasetLayoutError(root / "train.csv", "no Object-CXR annotation CSV (train.csv, dev.csv)")
    rows: list[Row] = []
    skipped: list[Skip] = []
    for path, folder, split in tables:
        for record in read_table(path, ["image_name", "annotation"]).to_dict("records"):
            rel = f"{folder}/{record['image_name']}"
            if not (root / rel).is_file():
                skipped.append(Skip(rel, f"listed in {path.name} but absent on disk"))
                continue
            try:
                boxes = parse_annotation(record["annotation"])
            except AnnotationFormatError as exc:
                raise AnnotationFormatError(path, f"{record['image_name']}: {exc.reason}") from None
            stem = Path(record["image_name"]).stem
            rows.append(
                {
                    "image_path": rel,
                    "patient_id": stem,
                    "study_id": stem,
                    "split": split,
                    LABEL: float(bool(boxes)),
                    "boxes": json.dumps(boxes),
                }
            )
    return assemble("object_cxr", CHEXPERT, rows, skipped, root, split_file)
