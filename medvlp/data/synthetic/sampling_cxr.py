"""Which findings a radiograph study has, with sides, zones, sizes and device kinds."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.sampling import base_finding, pick_negated, pick_present
from medvlp.knowledge.findings import CHEXPERT

# Probability within abnormal studies (prevalence ~= 0.7 x this, i.e. ~10-25%).
CONDITIONAL_P: dict[str, float] = {
    "Enlarged Cardiomediastinum": 0.16,
    "Cardiomegaly": 0.30,
    "Lung Lesion": 0.18,
    "Lung Opacity": 0.26,
    "Edema": 0.20,
    "Consolidation": 0.22,
    "Pneumonia": 0.16,
    "Atelectasis": 0.26,
    "Pneumothorax": 0.18,
    "Pleural Effusion": 0.32,
    "Pleural Other": 0.14,
    "Fracture": 0.14,
    "Support Devices": 0.30,
}
# How often an absent finding is explicitly negated in the report.
NEGATION_P: dict[str, float] = {
    "Pleural Effusion": 0.55, "Pneumothorax": 0.55, "Consolidation": 0.4, "Cardiomegaly": 0.35,
    "Edema": 0.3, "Enlarged Cardiomediastinum": 0.25, "Lung Lesion": 0.15, "Fracture": 0.15,
}
ZONES = ("upper", "middle", "lower")
DEVICE_KINDS = ("ett", "ngt", "cvc", "picc")
UNILATERAL = {"Lung Lesion", "Fracture", "Pneumothorax"}  # drawn on one side only


def sample_cxr_findings(rng: np.random.Generator) -> tuple[list[Finding], list[str]]:
    """Present findings and the negated absent labels of one radiograph study."""
    present = pick_present(rng, CONDITIONAL_P)
    findings = [_detail(rng, base_finding(rng, name, name in CHEXPERT.sided, name not in UNILATERAL))
                for name in present]
    absent = [n for n in CONDITIONAL_P if n not in present]
    return findings, pick_negated(rng, absent, NEGATION_P)


def _detail(rng: np.random.Generator, f: Finding) -> Finding:
    if f.label in ("Consolidation", "Lung Opacity", "Pneumonia", "Atelectasis"):
        f.lobe = str(rng.choice(ZONES, p=(0.25, 0.25, 0.5)))
    if f.label == "Lung Lesion":
        f.kind = "mass" if rng.random() < 0.3 else "nodule"
        f.size_mm = float(np.round(rng.uniform(32, 60) if f.kind == "mass" else rng.uniform(10, 28)))
        f.lobe = str(rng.choice(ZONES))
    if f.label == "Fracture":
        f.kind = str(int(rng.integers(4, 9)))  # which rib (its number appears in the report)
    if f.label == "Support Devices":
        k = int(rng.integers(1, 3))
        f.kind = "+".join(sorted(rng.choice(DEVICE_KINDS, size=k, replace=False).tolist()))
    return f
