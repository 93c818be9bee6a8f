"""Inputs are prepared as the weight card says; scores agree with the evaluation layer's zero-shot API."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch
from PIL import Image

from medvlp.visualize.findings import UnknownFindingError, match_findings, split_findings
from medvlp.visualize.studies import StudyInputError, expand_inputs, load_study


def test_findings_match_case_insensitively_with_synonyms() -> None:
    assert match_findings(split_findings("PLEURAL EFFUSION, enlarged heart,ptx, effusion")) == [
        "Pleural Effusion", "Cardiomegaly", "Pneumothorax"]
    assert match_findings(["nodule"], preferred=["Lung Nodule"]) == ["Lung Nodule"]
    with pytest.raises(UnknownFindingError, match="known findings: .*Edema"):
        match_findings(["edema", "unicorn"])


def test_radiograph_is_resized_and_padded_to_the_card_size(tmp_path: Path) -> None:
    tall = np.zeros((80, 40), dtype=np.uint8)
    tall[:, 10:30] = 255  # a bright vertical band
    Image.fromarray(tall).save(tmp_path / "tall.png")
    study = load_study(tmp_path / "tall.png", {"modality": "cxr", "image_size": [32, 32]})
    assert study.image.shape == (1, 32, 32) and not study.is_volume
    assert 0.0 <= float(study.image.min()) and float(study.image.max()) <= 1.0
    # aspect kept: the 80x40 image becomes 32x16 in the middle, zero padding left and right
    assert float(study.image[0, :, :6].max()) == 0.0 and float(study.image[0, :, 14:18].min()) > 0.9


def test_blank_and_wrong_kind_inputs_are_typed_errors(tmp_path: Path) -> None:
    Image.fromarray(np.full((20, 20), 7, dtype=np.uint8)).save(tmp_path / "flat.png")
    with pytest.raises(StudyInputError, match="blank"):
        load_study(tmp_path / "flat.png", {"modality": "cxr", "image_size": [16, 16]})
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 8), np.float32), np.eye(4)), tmp_path / "v.nii.gz")
    with pytest.raises(StudyInputError, match="2D radiograph model"):
        load_study(tmp_path / "v.nii.gz", {"modality": "cxr", "image_size": [16, 16]})


def test_volume_follows_card_spacing_window_and_size(tmp_path: Path) -> None:
    hu = np.full((40, 40, 20), 500.0, dtype=np.float32)  # 500 HU everywhere; 1 mm x 1 mm x 2 mm voxels
    nib.save(nib.Nifti1Image(hu, np.diag([1.0, 1.0, 2.0, 1.0])), tmp_path / "ct.nii.gz")
    card = {"modality": "ct", "image_size": [16, 16, 8], "hu_window": [-500.0, 1500.0],
            "spacing": [2.0, 2.0, 4.0]}
    study = load_study(tmp_path / "ct.nii.gz", card)
    assert study.image.shape == (1, 16, 16, 8) and study.is_volume
    # 500 HU in a [-500, 1500] window is exactly the middle of [0, 1]
    assert torch.allclose(study.image, torch.full_like(study.image, 0.5), atol=1e-4)
    positions = np.asarray(study.slice_positions)
    assert positions.shape == (8,) and np.all(np.diff(positions) > 0)
    assert positions[-1] - positions[0] == pytest.approx((10 - 1) * 4.0)  # 20 x 2 mm -> 10 x 4 mm extent kept


def test_folders_expand_to_scoring_units(tmp_path: Path) -> None:
    (tmp_path / "a" / "s1").mkdir(parents=True)
    for name in ("a/s1/1.dcm", "a/s1/2.dcm", "a/x.png", "a/notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert expand_inputs([tmp_path / "a"], dims=2) == [tmp_path / "a/s1/1.dcm", tmp_path / "a/s1/2.dcm",
                                                       tmp_path / "a/x.png"]
    assert expand_inputs([tmp_path / "a"], dims=3) == [tmp_path / "a/s1"]


def test_scores_match_the_evaluation_api(tmp_path: Path) -> None:
    from medvlp.evaluation.loaders import wrap_vlp_model
    from medvlp.evaluation.prompts import knowledge_prompts
    from medvlp.evaluation.zeroshot import zero_shot_scores
    from medvlp.models import create_model
    from medvlp.visualize.scoring import ZeroShotScorer

    model = create_model("cxr_tiny").eval()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((50, 60)) * 255).astype(np.uint8)).save(tmp_path / "r.png")
    study = load_study(tmp_path / "r.png", {"modality": "cxr", "image_size": [64, 64]})
    findings = ["Edema", "Pneumothorax"]
    result = ZeroShotScorer(model, findings).score(study)
    expected = zero_shot_scores(wrap_vlp_model(model, "m"), study.image[None], findings,
                                prompts=knowledge_prompts(findings, "2d"), sided=frozenset({"Pneumothorax"}))
    assert [result.probabilities[f] for f in findings] == pytest.approx(expected.iloc[0].tolist(), abs=1e-5)
    assert result.heatmaps["Edema"].shape == (64, 64) and np.ptp(result.heatmaps["Edema"]) > 0
