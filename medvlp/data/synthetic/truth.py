"""Ground-truth rows: one per study, labels from the report mentions plus drawing details."""

from __future__ import annotations

from medvlp.data.synthetic.cases import MENTION_NEGATED, MENTION_POSITIVE, MENTION_UNCERTAIN, Study
from medvlp.knowledge.findings import CHEXPERT, CT, LabelSet

BASE_COLUMNS = ["study_key", "patient_key", "modality", "format", "path", "label_set", "n_images", "views"]
LABEL_VALUE = {MENTION_POSITIVE: "1", MENTION_UNCERTAIN: "-1", MENTION_NEGATED: "0"}
CT_DETAILS = ("size_mm", "contrast_hu", "difficulty")
MASK_COLUMN = "mask_paths"  # ';'-separated segmentation masks: frontal radiograph views, or the CT lesion mask


def truth_columns() -> list[str]:
    """All columns of ground_truth.csv (union of both label sets; shared label names share a column)."""
    labels = list(dict.fromkeys([*CHEXPERT.labels, *CT.labels]))
    sided = [f"{n}|{k}" for n in labels if n in CHEXPERT.sided | CT.sided for k in ("laterality", "side_stated")]
    details = ["Lung Lesion|size_mm"] + [f"{n}|{k}" for n in CT.labels for k in CT_DETAILS]
    return BASE_COLUMNS + labels + sided + list(dict.fromkeys(details)) + [MASK_COLUMN]


def truth_row(study: Study, label_set: LabelSet, mentions: dict[str, str], base: dict[str, str]) -> dict[str, str]:
    """The study's row: 1/0/-1 for mentioned labels, empty for unmentioned or other-set labels."""
    row = {c: "" for c in truth_columns()}
    row.update(base)
    for name in label_set.labels:
        row[name] = LABEL_VALUE.get(mentions.get(name, ""), "")
    for f in study.findings:
        if f.side:
            row[f"{f.label}|laterality"] = f.side
            row[f"{f.label}|side_stated"] = "1" if f.side_stated else "0"
        if label_set is CT:
            row[f"{f.label}|size_mm"] = f"{f.size_mm:g}"
            row[f"{f.label}|contrast_hu"] = f"{f.contrast_hu:g}"
            row[f"{f.label}|difficulty"] = f.difficulty
        elif f.label == "Lung Lesion":
            row["Lung Lesion|size_mm"] = f"{f.size_mm:g}"
    return row
