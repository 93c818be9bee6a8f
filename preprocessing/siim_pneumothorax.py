"""SIIM-ACR Pneumothorax: ``train-rle.csv`` (``ImageId, EncodedPixels``) + DICOMs.

DICOMs live in ``dicom-images-train/<study>/<series>/<ImageId>.dcm`` (found by name anywhere under
``root``). An image with several pneumothorax regions has several CSV rows; ``-1`` means none. The
RLE is the challenge's relative, column-major variant (:mod:`preprocessing.masks`). With
``mask_dir`` the union mask of each image is written there as a 0/1 ``uint8`` PNG (also for
negatives, so segmentation benchmarks get their empty masks) and named in ``mask_path`` (absolute).
No official split; image size, view, patient and study UIDs come from the DICOM header.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from medvlp.io.errors import ImagingInputError
from medvlp.knowledge.findings import CHEXPERT
from medvlp.utils.files import atomic_open
from preprocessing.assemble import assemble
from preprocessing.common import Row, find_first, index_files, read_table, require_dir
from preprocessing.dicom_header import dicom_fields
from preprocessing.errors import AnnotationFormatError
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.masks import NO_MASK, siim_rle_union
from preprocessing.registry import ADAPTERS

HEADER = ["Rows", "Columns", "ViewPosition", "PatientID", "StudyInstanceUID"]


def _write_mask(mask: np.ndarray, path: Path) -> None:
    with atomic_open(path, "wb") as fh:
        Image.fromarray(mask).save(fh, format="PNG")


@ADAPTERS.register("siim_pneumothorax", aliases=("siim_acr",))
def build_siim_pneumothorax(
    root: Path, split_file: Path | None = None, mask_dir: Path | None = None
) -> SourceManifest:
    """Manifest of SIIM-ACR images; ``mask_dir`` (if given) receives decoded masks."""
    root = require_dir(Path(root))
    rle_file = find_first(root, ["train-rle.csv", "stage_2_train.csv"], "SIIM RLE file")
    table = read_table(rle_file, ["ImageId", "EncodedPixels"])
    images = index_files(root, (".dcm",))
    rows: list[Row] = []
    skipped: list[Skip] = []
    for image_id, group in table.groupby("ImageId", sort=True):
        name = f"{image_id}.dcm"
        if name not in images:
            skipped.append(Skip(name, f"listed in {rle_file.name} but absent on disk"))
            continue
        try:
            header = dicom_fields(root / images[name], HEADER)
            height, width = int(header["Rows"]), int(header["Columns"])
        except ImagingInputError as exc:
            skipped.append(Skip(images[name], f"{exc.code}: {exc.reason}"))
            continue
        except ValueError:
            skipped.append(Skip(images[name], "DICOM header lacks Rows/Columns"))
            continue
        rles = [r for r in group["EncodedPixels"].str.strip() if r != NO_MASK]
        row: Row = {
            "image_path": images[name],
            "patient_id": header["PatientID"] or image_id,
            "study_id": header["StudyInstanceUID"] or image_id,
            "view_position": header["ViewPosition"],
            "Pneumothorax": float(bool(rles)),
        }
        if mask_dir is not None:
            try:
                mask = siim_rle_union(rles, height, width)
            except AnnotationFormatError as exc:  # one bad RLE row: record it, keep the batch going
                skipped.append(Skip(images[name], f"{rle_file.name}: {exc.reason}"))
                continue
            mask_path = Path(mask_dir).resolve() / f"{image_id}.png"
            _write_mask(mask, mask_path)
            row["mask_path"] = str(mask_path)
        rows.append(row)
    return assemble("siim_pneumothorax", CHEXPERT, rows, skipped, root, split_file)
