"""MIMIC-CXR (reports, DICOM) / MIMIC-CXR-JPG (JPEGs, CheXpert labels, split, metadata).

Layout (PhysioNet): ``files/pXX/pXXXXXXXX/sXXXXXXXX/<dicom_id>.jpg`` (``.dcm`` for the DICOM release),
free-text reports ``files/pXX/pXXXXXXXX/sXXXXXXXX.txt`` (from MIMIC-CXR; copy them into the JPG tree
if you use both), and at the root ``mimic-cxr-2.0.0-{chexpert,split,metadata}.csv[.gz]``. One
manifest row per study; the images of a study are grouped (frontal views first). The official split
``validate`` becomes ``valid``. Labels are the CheXpert labeler output, copied as published.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pandas as pd

from medvlp.knowledge.findings import CHEXPERT
from preprocessing.assemble import assemble
from preprocessing.common import Row, Study, find_first, parse_label, read_table, require_dir
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS
from preprocessing.splits import normalise_split

PREFIX = "mimic-cxr-2.0.0-"
FRONTAL = ("PA", "AP")


def _table(root: Path, kind: str, required: list[str]) -> tuple[Path, pd.DataFrame]:
    """``mimic-cxr-2.0.0-<kind>.csv`` or its ``.csv.gz`` (as released): its path and checked table."""
    name = f"{PREFIX}{kind}.csv"
    path = find_first(root, [name, name + ".gz"], f"MIMIC-CXR {kind} file")
    return path, read_table(path, required)


def _image_path(root: str, folder: str, dicom_id: str) -> str | None:
    for suffix in (".jpg", ".dcm"):
        rel = f"{folder}/{dicom_id}{suffix}"
        if os.path.isfile(os.path.join(root, rel)):  # os.path: pathlib costs 10x on 377k images
            return rel
    return None


@ADAPTERS.register("mimic_cxr")
def build_mimic_cxr(root: Path, split_file: Path | None = None) -> SourceManifest:
    """Manifest of MIMIC-CXR(-JPG) studies under ``root``; images absent on disk are recorded skips."""
    root = require_dir(Path(root))
    _, meta = _table(root, "metadata", ["dicom_id", "subject_id", "study_id", "ViewPosition"])
    official_split_file, official = _table(root, "split", ["dicom_id", "split"])
    split_of = dict(zip(official["dicom_id"], official["split"]))
    label_file, labels = _table(root, "chexpert", ["subject_id", "study_id", *CHEXPERT.labels])
    label_of = {(r["subject_id"], r["study_id"]): r for r in labels.to_dict("records")}
    meta = meta.assign(_lateral=~meta["ViewPosition"].isin(FRONTAL))
    meta = meta.sort_values(["subject_id", "study_id", "_lateral", "dicom_id"])  # frontal views first
    rows: list[Row] = []
    skipped: list[Skip] = []
    records = meta[["subject_id", "study_id", "dicom_id", "ViewPosition"]].itertuples(index=False)
    for (subject, study), group in itertools.groupby(records, key=lambda r: (r[0], r[1])):
        folder = f"files/p{subject[:2]}/p{subject}/s{study}"
        entry = Study({"patient_id": subject, "study_id": study})
        splits: set[str] = set()
        for _, _, dicom_id, view in group:
            splits.add(split_of.get(dicom_id, ""))
            path = _image_path(str(root), folder, dicom_id)
            if path is None:
                skipped.append(Skip(f"{folder}/{dicom_id}", "image absent on disk"))
            else:
                entry.add(path, view)
        if not entry.images:
            continue
        splits.discard("")
        entry.fields["split"] = normalise_split(splits.pop(), official_split_file) if len(splits) == 1 else ""
        entry.fields["report_path"] = f"{folder}.txt" if (root / f"{folder}.txt").is_file() else ""
        published = label_of.get((subject, study), {})
        entry.fields.update(
            {name: parse_label(published.get(name, ""), label_file) for name in CHEXPERT.labels}
        )
        rows.append(entry.row())
    return assemble("mimic_cxr", CHEXPERT, rows, skipped, root, split_file)
