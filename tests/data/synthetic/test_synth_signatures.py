"""Each finding's visual signature, measured from the radiographs written to disk.

Studies with findings that change the same measurement (e.g. edema widening the perihilar shadow
for the cardiothoracic ratio) are left out of that measurement.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
from cxr_measure import apical_rim_intensity, cardiothoracic_ratio, density, lung_base

POSITIVE = ("1", "-1")
OTHER = {"left": "right", "right": "left"}


def _frontals(synth_dir: Path, truth: list[dict[str, str]]) -> Iterator[tuple[dict[str, str], np.ndarray]]:
    """(ground-truth row, density image) of every PA/AP radiograph."""
    for row in truth:
        if row["label_set"] != "chexpert":
            continue
        for path in sorted((synth_dir / row["path"]).rglob("*.dcm")):
            ds = pydicom.dcmread(path)
            if ds.ViewPosition in ("PA", "AP"):
                yield row, density(ds)


def _has_any(row: dict[str, str], labels: set[str]) -> bool:
    return any(row[n] in POSITIVE for n in labels)


def test_cardiothoracic_ratio_above_half_exactly_when_cardiomegaly(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    confounders = {"Edema", "Atelectasis", "Consolidation", "Pneumonia", "Lung Opacity", "Lung Lesion"}
    pos = neg = 0
    for row, img in _frontals(synth_dir, truth):
        if _has_any(row, confounders):
            continue
        ctr = cardiothoracic_ratio(img)
        if row["Cardiomegaly"] in POSITIVE:
            assert ctr > 0.53, (row["study_key"], ctr)
            pos += 1
        else:
            assert 0.3 < ctr < 0.53, (row["study_key"], ctr)
            neg += 1
    assert pos >= 1 and neg >= 5


def test_effusion_raises_the_costophrenic_angle_of_its_side(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    confounders = {"Edema", "Atelectasis", "Consolidation", "Pneumonia", "Lung Opacity", "Pneumothorax",
                   "Pleural Other"}
    pos = neg = 0
    for row, img in _frontals(synth_dir, truth):
        if _has_any(row, confounders) or row["Pleural Effusion|laterality"] == "bilateral":
            continue
        base = {side: lung_base(img, side) for side in ("left", "right")}
        if row["Pleural Effusion"] in POSITIVE:
            side = row["Pleural Effusion|laterality"]
            assert base[OTHER[side]] - base[side] > 0.035, (row["study_key"], side, base)
            pos += 1
        else:
            assert abs(base["left"] - base["right"]) < 0.035, (row["study_key"], base)
            neg += 1
    assert pos >= 1 and neg >= 5


def test_pneumothorax_darkens_the_apical_rim_exactly_on_its_side(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    confounders = {"Edema", "Consolidation", "Pneumonia", "Lung Opacity", "Atelectasis", "Lung Lesion",
                   "Pleural Other"}
    pos = neg = 0
    for row, img in _frontals(synth_dir, truth):
        side = row["Pneumothorax|laterality"]
        if _has_any(row, confounders) or side == "bilateral":
            continue
        rim = {s: apical_rim_intensity(img, s) for s in ("left", "right")}
        if row["Pneumothorax"] in POSITIVE:
            assert rim[OTHER[side]] - rim[side] > 0.03, (row["study_key"], side, rim)
            pos += 1
        else:
            assert abs(rim["left"] - rim["right"]) < 0.03, (row["study_key"], rim)
            neg += 1
    assert pos >= 1 and neg >= 5
