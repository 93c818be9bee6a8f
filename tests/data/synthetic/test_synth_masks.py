"""Segmentation masks of the synthetic radiographs: where the painters drew, on the DICOM's grid.

The mask of a finding must be exactly the pixels whose attenuation changes when the same study is
painted with and without it (identical random streams), and writing masks must not change a byte of
any image or report.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from medvlp.data.synthetic import generate
from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.masks import (
    CT_MASK_THRESHOLD_HU,
    CT_MASKED_FINDINGS,
    MASK_THRESHOLD,
    MASKED_FINDINGS,
    ct_mask_value,
    mask_value,
)
from medvlp.data.synthetic.phantom_cxr import sample_anatomy
from medvlp.data.synthetic.radiograph import attenuation_frontal, prepare
from medvlp.data.synthetic.study_ct import render_ct
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.utils.files import sha256_file

CASES = {
    "Lung Lesion": Finding("Lung Lesion", side="left", size_mm=15, lobe="upper", kind="nodule"),
    "Pleural Effusion": Finding("Pleural Effusion", side="right", severity="moderate"),
    "Pneumothorax": Finding("Pneumothorax", side="left", severity="moderate"),
    "Consolidation": Finding("Consolidation", side="right", lobe="lower", severity="large"),
    "Atelectasis": Finding("Atelectasis", side="left", lobe="lower"),
    "Support Devices": Finding("Support Devices", kind="ett+ngt"),  # drawn, but not a segmentation target
}


def _pair(f: Finding, size: int = 96) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    anatomy = sample_anatomy(np.random.default_rng(1), np.random.default_rng(2))
    base = attenuation_frontal(copy.deepcopy(anatomy), [], size, size, np.random.default_rng(3))
    prepare(anatomy, [f], np.random.default_rng(4))
    mask = np.zeros((size, size), dtype=np.uint8)
    with_finding = attenuation_frontal(anatomy, [f], size, size, np.random.default_rng(3), mask)
    return base, with_finding, mask


@pytest.mark.parametrize("label", sorted(CASES))
def test_mask_is_where_the_painter_changed_the_image(label: str) -> None:
    base, with_finding, mask = _pair(CASES[label])
    changed = np.abs(with_finding - base) > MASK_THRESHOLD
    if label in MASKED_FINDINGS:
        assert changed.any()
        np.testing.assert_array_equal(mask > 0, changed)
        assert set(np.unique(mask)) == {0, mask_value(label)}
    else:
        assert changed.any() and not mask.any()


def test_mask_does_not_change_the_image() -> None:
    f = CASES["Lung Lesion"]
    anatomy = sample_anatomy(np.random.default_rng(1), np.random.default_rng(2))
    prepare(anatomy, [f], np.random.default_rng(4))
    plain = attenuation_frontal(copy.deepcopy(anatomy), [f], 64, 64, np.random.default_rng(3))
    masked = attenuation_frontal(anatomy, [f], 64, 64, np.random.default_rng(3), np.zeros((64, 64), np.uint8))
    np.testing.assert_array_equal(plain, masked)


def test_dataset_masks_match_dicom_grid_and_findings(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    n_masks, n_with_foreground = 0, 0
    for row in truth:
        if row["label_set"] != "chexpert":
            continue
        listed = [p for p in row["mask_paths"].split(";") if p]
        frontal = [p for p in sorted((synth_dir / row["path"]).rglob("*.dcm"))
                   if pydicom.dcmread(p, stop_before_pixels=True).ViewPosition != "LL"]
        assert len(listed) == len(frontal) >= 1
        present = {mask_value(n) for n in MASKED_FINDINGS if row[n] in ("1", "-1")}
        for rel, dcm in zip(listed, frontal):
            assert (synth_dir / rel).parent == dcm.parent
            mask = np.asarray(Image.open(synth_dir / rel))
            ds = pydicom.dcmread(dcm, stop_before_pixels=True)
            assert mask.dtype == np.uint8 and mask.shape == (ds.Rows, ds.Columns)
            values = set(np.unique(mask).tolist()) - {0}
            assert values <= {mask_value(n) for n in MASKED_FINDINGS}
            assert values <= present and bool(values) == bool(present), (row["study_key"], values, present)
            n_masks += 1
            n_with_foreground += bool(values)
    assert n_masks and 0.2 < n_with_foreground / n_masks < 0.95, (n_with_foreground, n_masks)
    assert CHEXPERT.labels.index("Lung Lesion") + 1 == mask_value("Lung Lesion")


def test_masks_leave_images_and_reports_byte_identical(tmp_path: Path) -> None:
    """Generated twice (workers 1 and 2): the masks are deterministic and every DICOM/report stays put."""
    kw = {"n_cxr": 8, "n_ct": 0, "cxr_size": 64, "seed": 11}
    generate(tmp_path / "a", workers=1, **kw)
    generate(tmp_path / "b", workers=2, **kw)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.mask.png"))
    assert files
    for rel in files:
        assert sha256_file(tmp_path / "a" / rel) == sha256_file(tmp_path / "b" / rel)
    with open(tmp_path / "a" / "ground_truth.csv", newline="") as fh:
        listed = {p for r in csv.DictReader(fh) for p in r["mask_paths"].split(";") if p}
    assert listed == {str(p) for p in files}


CT_CASES = {name: Finding(name, side="right" if name in CT.sided else "", size_mm=size, contrast_hu=contrast,
                          lobe="lower")
            for name, size, contrast in [("Lung Nodule", 14, 800), ("Pleural Effusion", 30, 850),
                                         ("Lymphadenopathy", 20, 140), ("Cardiomegaly", 140, 0)]}


@pytest.mark.parametrize("label", sorted(CT_CASES))
def test_ct_mask_is_where_the_painter_changed_the_volume(label: str) -> None:
    shape, spacing = (48, 48, 24), (6.0, 6.0, 9.0)
    mask = np.zeros(shape, dtype=np.uint8)
    base = render_ct([], shape, spacing, np.random.default_rng(9), noise_hu=0.0)
    painted = render_ct([copy.deepcopy(CT_CASES[label])], shape, spacing, np.random.default_rng(9), 0.0, mask)
    if label not in CT_MASKED_FINDINGS:  # cardiomegaly changes the geometry: no lesion mask
        assert not mask.any()
        return
    np.testing.assert_array_equal(mask > 0, np.abs(painted - base) > CT_MASK_THRESHOLD_HU)
    assert set(np.unique(mask)) == {0, ct_mask_value(label)}


def test_ct_masks_share_the_volume_grid(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    import nibabel as nib

    rows = [r for r in truth if r["label_set"] == "ct"]
    assert rows
    for row in rows:
        mask_img = nib.load(synth_dir / row["mask_paths"])
        mask = np.asarray(mask_img.dataobj)
        assert mask.dtype == np.uint8
        present = {ct_mask_value(n) for n in CT_MASKED_FINDINGS if row[n] in ("1", "-1")}
        assert set(np.unique(mask).tolist()) - {0} == present, row["study_key"]
        if row["format"] == "dicom":
            axial = max((p for p in (synth_dir / row["path"]).iterdir() if p.is_dir()),
                        key=lambda p: len(list(p.glob("*.dcm"))))
            assert mask.shape[2] == len(list(axial.glob("*.dcm")))
        if row["format"] == "nifti":
            volume = nib.load(synth_dir / row["path"])
            assert mask.shape == volume.shape
            np.testing.assert_allclose(mask_img.affine, volume.affine)
