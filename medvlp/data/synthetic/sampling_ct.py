"""Which findings a CT study has, with side, size (mm), contrast (HU) and difficulty."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.sampling import base_finding, difficulty_of, pick_negated, pick_present
from medvlp.knowledge.findings import CT

CONDITIONAL_P: dict[str, float] = {
    "Lung Nodule": 0.32, "Pleural Effusion": 0.26, "Emphysema": 0.22, "Consolidation": 0.2,
    "Atelectasis": 0.24, "Pericardial Effusion": 0.15, "Cardiomegaly": 0.22, "Lymphadenopathy": 0.2,
    "Arterial Wall Calcification": 0.3, "Hiatal Hernia": 0.15,
}
NEGATION_P: dict[str, float] = {"Pleural Effusion": 0.5, "Pericardial Effusion": 0.4, "Lymphadenopathy": 0.35,
                                "Lung Nodule": 0.2, "Consolidation": 0.3}
# label -> (size range mm, contrast range HU, easy (size, contrast), hard (size, contrast))
SIZE_CONTRAST: dict[str, tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]] = {
    "Lung Nodule": ((4, 30), (150, 900), (12, 500), (7, 300)),
    "Pleural Effusion": ((10, 60), (820, 880), (30, 0), (15, 0)),
    "Emphysema": ((5, 20), (60, 140), (12, 110), (8, 80)),
    "Consolidation": ((25, 70), (500, 880), (45, 700), (30, 600)),
    "Atelectasis": ((10, 35), (600, 880), (25, 750), (15, 650)),
    "Pericardial Effusion": ((6, 25), (90, 130), (15, 110), (9, 100)),
    "Cardiomegaly": ((125, 160), (0, 0), (145, 0), (132, 0)),
    "Lymphadenopathy": ((11, 30), (100, 150), (20, 130), (14, 110)),
    "Arterial Wall Calcification": ((3, 10), (250, 900), (6, 500), (4, 350)),
    "Hiatal Hernia": ((30, 70), (100, 1000), (50, 0), (38, 0)),
}
UNILATERAL = {"Lung Nodule"}


def sample_ct_findings(rng: np.random.Generator) -> tuple[list[Finding], list[str]]:
    """Present findings and negated absent labels of one CT study."""
    present = pick_present(rng, CONDITIONAL_P)
    findings = []
    for name in present:
        f = base_finding(rng, name, name in CT.sided, name not in UNILATERAL)
        size_range, contrast_range, easy, hard = SIZE_CONTRAST[name]
        f.size_mm = float(np.round(rng.uniform(*size_range), 1))
        f.contrast_hu = float(np.round(rng.uniform(*contrast_range)))
        f.difficulty = difficulty_of(f.size_mm, f.contrast_hu, easy, hard)
        f.severity = {"easy": "large", "medium": "moderate", "hard": "small"}[f.difficulty]
        f.lobe = str(rng.choice(("upper", "lower")))
        findings.append(f)
    absent = [n for n in CONDITIONAL_P if n not in present]
    return findings, pick_negated(rng, absent, NEGATION_P)
