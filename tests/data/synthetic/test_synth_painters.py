"""Every finding painter changes the image where and as strongly as the finding says.

Each study is drawn twice from identical random streams, with and without one finding; the
difference must be visible (contrast well above the noise) and lie on the labelled side.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.phantom_cxr import sample_anatomy
from medvlp.data.synthetic.radiograph import attenuation_frontal, prepare
from medvlp.data.synthetic.study_ct import render_ct
from medvlp.knowledge.findings import CHEXPERT, CT

CXR_CASES = {
    "Enlarged Cardiomediastinum": Finding("Enlarged Cardiomediastinum"),
    "Cardiomegaly": Finding("Cardiomegaly"),
    "Lung Lesion": Finding("Lung Lesion", side="left", size_mm=15, lobe="upper", kind="nodule"),
    "Lung Opacity": Finding("Lung Opacity", side="right", lobe="lower", severity="moderate"),
    "Edema": Finding("Edema", severity="moderate"),
    "Consolidation": Finding("Consolidation", side="left", lobe="middle", severity="small"),
    "Pneumonia": Finding("Pneumonia", side="right", lobe="upper", severity="moderate"),
    "Atelectasis": Finding("Atelectasis", side="left", lobe="lower"),
    "Pneumothorax": Finding("Pneumothorax", side="right", severity="small"),
    "Pleural Effusion": Finding("Pleural Effusion", side="left", severity="small"),
    "Pleural Other": Finding("Pleural Other", side="right"),
    "Fracture": Finding("Fracture", side="left", kind="6"),
    "Support Devices": Finding("Support Devices", kind="ett+ngt"),
}


def _frontal_pair(f: Finding, size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    anatomy = sample_anatomy(np.random.default_rng(1), np.random.default_rng(2))
    base = attenuation_frontal(copy.deepcopy(anatomy), [], size, size, np.random.default_rng(3))
    prepare(anatomy, [f], np.random.default_rng(4))
    return base, attenuation_frontal(anatomy, [f], size, size, np.random.default_rng(3))


def test_every_chexpert_finding_has_a_painter_case() -> None:
    assert set(CXR_CASES) == set(CHEXPERT.labels) - {"No Finding"}


@pytest.mark.parametrize("label", sorted(CXR_CASES))
def test_cxr_finding_is_visible_on_its_side(label: str) -> None:
    f = CXR_CASES[label]
    base, with_finding = _frontal_pair(f)
    diff = np.abs(with_finding - base)
    assert diff.max() > 0.08, label  # ~5x the detector noise after exposure scaling
    changed = diff > 0.02
    assert 0 < changed.mean() < 0.35, (label, changed.mean())
    if f.side in ("left", "right"):
        w = diff.shape[1]
        patient_left, patient_right = diff[:, w // 2:].sum(), diff[:, : w // 2].sum()
        own, other = (patient_left, patient_right) if f.side == "left" else (patient_right, patient_left)
        assert own > 4 * other, (label, own, other)


CT_CASES = {name: Finding(name, side="right" if name in CT.sided else "", size_mm=size, contrast_hu=contrast,
                          lobe="lower")
            for name, size, contrast in [
                ("Lung Nodule", 14, 800), ("Pleural Effusion", 30, 850), ("Emphysema", 12, 120),
                ("Consolidation", 50, 850), ("Atelectasis", 25, 850), ("Pericardial Effusion", 15, 110),
                ("Cardiomegaly", 140, 0), ("Lymphadenopathy", 20, 140), ("Arterial Wall Calcification", 6, 600),
                ("Hiatal Hernia", 50, 900)]}


@pytest.mark.parametrize("label", sorted(CT_CASES))
def test_ct_finding_changes_hu_by_its_contrast(label: str) -> None:
    f = copy.deepcopy(CT_CASES[label])
    shape, spacing = (64, 64, 32), (5.0, 5.0, 7.5)
    base = render_ct([], shape, spacing, np.random.default_rng(9), noise_hu=0.0)
    with_finding = render_ct([f], shape, spacing, np.random.default_rng(9), noise_hu=0.0)
    diff = with_finding - base
    changed = np.abs(diff) > 30
    assert changed.any(), label
    expected = f.contrast_hu if label != "Cardiomegaly" else 60  # the heart (50 HU) displaces lung/fat
    assert np.abs(diff).max() > 0.5 * expected, (label, np.abs(diff).max())
    if f.side == "right":  # array X runs to the patient's left: right side = low indices
        x_index = np.nonzero(changed)[0]
        assert (x_index < shape[0] / 2).mean() > 0.9, label
