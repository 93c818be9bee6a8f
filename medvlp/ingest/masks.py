"""Segmentation masks in ingest: finding them beside images, reading them, rasterising boxes.

Conventions:

* A mask file ``<stem>.mask.png`` beside an image ``<stem>.<ext>`` (``1.mask.png`` next to
  ``1.dcm``, as ``medvlp synth`` writes them) is that image's label mask, same pixel grid. NIfTI masks
  (``.mask.nii.gz``) are recognised (never ingested as volumes) but not carried yet: ``mask_unused``.
* A source manifest names a mask with ``mask_path`` or gives ``boxes`` (JSON ``[[x0, y0, x1, y1,
  label], ...]`` in pixels of the original image); boxes are rasterised with
  :func:`medvlp.data.masks.boxes_to_mask`, value ``1 + index`` of ``label`` in the study's label set,
  :data:`OTHER_VALUE` for labels outside it (``x_`` classes).

Mask values are kept as given (0 = background). Masks go through the image's geometric
preprocessing with nearest-neighbour resampling (:func:`medvlp.ingest.preprocess.preprocess_mask`).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, UnidentifiedImageError

from medvlp.data.masks import boxes_to_mask
from medvlp.errors import InputError
from medvlp.ingest.tasks import InputFile, StudyTask
from medvlp.knowledge.findings import LabelSet

MASK_SUFFIXES = (".mask.png", ".mask.nii.gz", ".mask.nii")
IMAGE_SUFFIXES = (".dcm", ".dicom", ".ima", ".png", ".jpg", ".jpeg")
OTHER_VALUE = 255  # a box whose label is not in the study's label set


class MaskError(InputError):
    """A mask file or ``boxes`` annotation that cannot be used (unreadable, wrong size, bad JSON)."""


def _stem_key(rel: str) -> str:
    """``a/b/1.dcm`` and ``a/b/1.mask.png`` -> ``a/b/1`` (the pairing key)."""
    path = PurePosixPath(rel)
    name = path.name
    lower = name.lower()
    for suffix in (*MASK_SUFFIXES, *IMAGE_SUFFIXES):
        if lower.endswith(suffix):
            return str(path.parent / name[: -len(suffix)])
    return str(path)  # extension-less DICOM (``IM0001``) or UID-like names (``1.2.840.5``): the whole name


def attach_masks(tasks: list[StudyTask], files: list[InputFile]) -> None:
    """Link each 2D mask file to the single-file radiograph unit with the same stem (in place)."""
    masks = {_stem_key(f.rel): f for f in files if f.kind == "mask" and f.rel.lower().endswith(".mask.png")}
    if not masks:
        return
    for task in tasks:
        for unit in task.units:
            if unit.kind != "radiograph" or len(unit.files) != 1 or unit.mask is not None:
                continue
            found = masks.get(_stem_key(task.rels[unit.files[0]]))
            if found is not None:
                unit.mask = found.index
                task.paths[found.index], task.rels[found.index] = found.path, found.rel


def read_mask_file(path: str | Path) -> np.ndarray:
    """An 8-bit label PNG (grey ``L``, palette ``P`` indices, 1-bit, or 16-bit with values < 256) ->
    ``uint8 [H, W]``."""
    try:
        with Image.open(path) as img:
            img.load()
            arr = np.asarray(img)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise MaskError(path, f"cannot decode mask ({exc})") from exc
    if arr.ndim != 2:
        raise MaskError(path, f"mask must be single-channel [H, W], got {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise MaskError(path, "mask values outside 0..255")
    return arr.astype(np.uint8)


def rasterise_boxes(text: str, shape: tuple[int, int], label_set: LabelSet, source: str) -> np.ndarray:
    """``boxes`` JSON -> ``uint8 [H, W]`` (see module docstring for the values)."""
    try:
        boxes = json.loads(text)
        coords = [[float(v) for v in b[:4]] for b in boxes]
        names = [str(b[4]) if len(b) > 4 else "" for b in boxes]
    except (ValueError, TypeError, IndexError) as exc:
        raise MaskError(source, f"boxes are not a JSON list of [x0, y0, x1, y1, label]: {exc}") from exc
    if any(len(c) != 4 or not np.all(np.isfinite(c)) or c[2] < c[0] or c[3] < c[1] for c in coords):
        raise MaskError(source, "every box needs finite x0 <= x1, y0 <= y1")
    values = [label_set.labels.index(n) + 1 if n in label_set.labels else OTHER_VALUE for n in names]
    return boxes_to_mask(coords, shape, values).astype(np.uint8)
