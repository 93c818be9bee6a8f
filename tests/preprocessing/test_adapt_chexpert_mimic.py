"""CheXpert and MIMIC-CXR(-JPG) adapters on tiny fixtures in the published formats."""

from __future__ import annotations

import gzip
from pathlib import Path
from types import SimpleNamespace

import pytest

from medvlp.knowledge.findings import CHEXPERT
from preprocessing import ADAPTERS
from preprocessing.errors import DatasetLayoutError, MissingColumnsError

LABELS = list(CHEXPERT.labels)


def _chexpert_root(tmp_path: Path, fx: SimpleNamespace) -> Path:
    root = tmp_path / "CheXpert-v1.0-small"
    header = ["Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", *LABELS]
    labels1 = ["", "", "1.0", "", "", "-1.0", "", "", "", "0.0", "1.0", "", "", "1.0"]
    fx.csv(
        root / "train.csv",
        header,
        [
            [
                "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg",
                "Female",
                68,
                "Frontal",
                "AP",
                *labels1,
            ],
            [
                "CheXpert-v1.0-small/train/patient00001/study1/view2_lateral.jpg",
                "Female",
                68,
                "Lateral",
                "",
                *labels1,
            ],
            [
                "CheXpert-v1.0-small/train/patient00002/study2/view1_frontal.jpg",
                "Male",
                40,
                "Frontal",
                "PA",
                "1.0",
                *[""] * 13,
            ],
            [
                "CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg",
                "Male",
                33,
                "Frontal",
                "PA",
                "1.0",
                *[""] * 13,
            ],  # image not on disk
        ],
    )
    fx.csv(
        root / "valid.csv",
        header,
        [
            [
                "CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg",
                "Male",
                73,
                "Frontal",
                "AP",
                *["0.0"] * 13,
                "1.0",
            ],
        ],
    )
    for rel in (
        "train/patient00001/study1/view1_frontal.jpg",
        "train/patient00001/study1/view2_lateral.jpg",
        "train/patient00002/study2/view1_frontal.jpg",
        "valid/patient64541/study1/view1_frontal.jpg",
    ):
        fx.image(root / rel)
    return root


def test_chexpert_groups_views_keeps_labels_and_splits(tmp_path: Path, fx: SimpleNamespace) -> None:
    manifest = ADAPTERS.get("chexpert")(_chexpert_root(tmp_path, fx), None)
    rows = manifest.rows.set_index("study_id")
    assert list(rows.index) == ["patient00001_study1", "patient00002_study2", "patient64541_study1"]
    first = rows.loc["patient00001_study1"]
    assert (
        first["image_path"]
        == "train/patient00001/study1/view1_frontal.jpg;train/patient00001/study1/view2_lateral.jpg"
    )
    assert first["view_position"] == "AP;LATERAL"
    assert (first["Cardiomegaly"], first["Edema"], first["Pneumothorax"], first["No Finding"]) == (
        "1",
        "-1",
        "0",
        "",
    )
    assert rows.loc["patient64541_study1", "split"] == "valid"
    assert rows.loc["patient00002_study2", "split"] == "train"
    assert [s.path for s in manifest.skipped] == [
        "CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg"
    ]


def test_chexpert_root_can_be_the_parent_folder(tmp_path: Path, fx: SimpleNamespace) -> None:
    root = _chexpert_root(tmp_path, fx)
    for name in ("train.csv", "valid.csv"):
        (root / name).rename(tmp_path / name)
    manifest = ADAPTERS.get("chexpert")(tmp_path, None)
    assert manifest.rows["image_path"].iloc[0].startswith("CheXpert-v1.0-small/train/patient00001/")


def test_chexpert_missing_columns_and_root(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.csv(tmp_path / "train.csv", ["Path", "Sex"], [["a.jpg", "M"]])
    with pytest.raises(MissingColumnsError, match="Frontal/Lateral") as info:
        ADAPTERS.get("chexpert")(tmp_path, None)
    assert info.value.path == str(tmp_path / "train.csv")
    with pytest.raises(DatasetLayoutError):
        ADAPTERS.get("chexpert")(tmp_path / "nope", None)


def _mimic_root(tmp_path: Path, fx: SimpleNamespace) -> Path:
    root = tmp_path / "mimic"
    study = root / "files/p10/p10000032/s50414267"
    fx.image(study / "d-lat.jpg")
    fx.image(study / "d-pa.jpg")
    (root / "files/p10/p10000032/s50414267.txt").write_text("FINDINGS: clear.\nIMPRESSION: normal.")
    fx.image(root / "files/p11/p11000011/s51000001/d-ap.jpg")
    fx.csv(
        root / "mimic-cxr-2.0.0-metadata.csv",
        ["dicom_id", "subject_id", "study_id", "ViewPosition"],
        [
            ["d-lat", "10000032", "50414267", "LATERAL"],
            ["d-pa", "10000032", "50414267", "PA"],
            ["d-ap", "11000011", "51000001", "AP"],
            ["d-gone", "11000011", "51000001", "PA"],
        ],
    )
    with gzip.open(root / "mimic-cxr-2.0.0-split.csv.gz", "wt") as fh:  # the release ships .csv.gz
        fh.write(
            "dicom_id,study_id,subject_id,split\n"
            "d-lat,50414267,10000032,train\nd-pa,50414267,10000032,train\n"
            "d-ap,51000001,11000011,validate\nd-gone,51000001,11000011,validate\n"
        )
    fx.csv(
        root / "mimic-cxr-2.0.0-chexpert.csv",
        ["subject_id", "study_id", *LABELS],
        [
            ["10000032", "50414267", "1.0", *[""] * 13],
            ["11000011", "51000001", "", "", "", "", "1.0", "", "", "-1.0", *[""] * 6],
        ],
    )
    return root


def test_mimic_groups_study_frontal_first_with_report_and_split(tmp_path: Path, fx: SimpleNamespace) -> None:
    manifest = ADAPTERS.get("mimic_cxr")(_mimic_root(tmp_path, fx), None)
    rows = manifest.rows.set_index("study_id")
    first = rows.loc["50414267"]
    prefix = "files/p10/p10000032/s50414267/"
    assert first["image_path"] == f"{prefix}d-pa.jpg;{prefix}d-lat.jpg"
    assert first["view_position"] == "PA;LATERAL"
    assert first["report_path"] == "files/p10/p10000032/s50414267.txt"
    assert (first["patient_id"], first["split"], first["No Finding"]) == ("10000032", "train", "1")
    second = rows.loc["51000001"]
    assert (second["split"], second["report_path"], second["Lung Opacity"], second["Pneumonia"]) == (
        "valid",
        "",
        "1",
        "-1",
    )
    assert [s.reason for s in manifest.skipped] == ["image absent on disk"]


def test_mimic_split_file_overrides_official_split(tmp_path: Path, fx: SimpleNamespace) -> None:
    root = _mimic_root(tmp_path, fx)
    fx.lines(tmp_path / "benchx" / "test.txt", ["files/p11/p11000011/s51000001/d-ap.jpg"])
    manifest = ADAPTERS.get("mimic_cxr")(root, tmp_path / "benchx")
    assert manifest.rows[["study_id", "split"]].values.tolist() == [["51000001", "test"]]
    assert any(s.reason == "no image listed in the split files" for s in manifest.skipped)
