"""``medvlp adapt`` end to end, and the written CSV against ingest's source-manifest reader."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

from medvlp.cli.main import main
from medvlp.ingest.source_manifest import read_source_manifest
from medvlp.knowledge.findings import CHEXPERT
from preprocessing.manifest import read_manifest_csv


def _chexpert(root: Path, fx: SimpleNamespace) -> Path:
    fx.image(root / "train/patient00001/study1/view1_frontal.jpg")
    fx.csv(
        root / "train.csv",
        ["Path", "Sex", "Age", "Frontal/Lateral", "AP/PA", *CHEXPERT.labels],
        [
            [
                "CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg",
                "Male",
                50,
                "Frontal",
                "PA",
                "",
                "",
                "1.0",
                *[""] * 11,
            ]
        ],
    )
    return root


def test_cli_writes_manifest_that_ingest_reads(tmp_path: Path, fx: SimpleNamespace) -> None:
    root = _chexpert(tmp_path / "data", fx)
    out = tmp_path / "out" / "chexpert.csv"
    assert main(["adapt", "chexpert", str(root), str(out)]) == 0
    rows = read_source_manifest(out)  # CSV outside root: paths written absolute
    assert rows[0].image_paths == (root / "train/patient00001/study1/view1_frontal.jpg",)
    assert rows[0].image_paths[0].is_file()
    assert rows[0].labels["Cardiomegaly"] == 1.0 and np.isnan(rows[0].labels["Edema"])
    assert (rows[0].split, rows[0].view_position) == ("train", "PA")
    assert read_manifest_csv(out.with_name("chexpert.skipped.csv")).empty


def test_cli_manifest_inside_root_stays_relative(tmp_path: Path, fx: SimpleNamespace) -> None:
    root = _chexpert(tmp_path, fx)
    assert main(["adapt", "chexpert", str(root), str(root / "manifest.csv")]) == 0
    assert (
        read_manifest_csv(root / "manifest.csv")["image_path"][0]
        == "train/patient00001/study1/view1_frontal.jpg"
    )


def test_cli_no_extras_for_core_readers_and_masks_beside_out(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.dicom(tmp_path / "data/a.dcm", rows=4, columns=4)
    fx.csv(tmp_path / "data/train-rle.csv", ["ImageId", "EncodedPixels"], [["a", "0 2"]])
    out = tmp_path / "siim.csv"
    assert main(["adapt", "siim_pneumothorax", str(tmp_path / "data"), str(out), "--no-extras"]) == 0
    rows = read_source_manifest(out)
    assert rows[0].labels["Pneumothorax"] == 1.0
    assert "mask_path" not in read_manifest_csv(out).columns
    mask = np.asarray(Image.open(tmp_path / "siim_masks" / "a.png"))
    assert mask[:2, 0].tolist() == [1, 1] and mask.sum() == 2


def test_cli_bad_input_returns_error_code_and_writes_nothing(tmp_path: Path, fx: SimpleNamespace) -> None:
    out = tmp_path / "x.csv"
    assert main(["adapt", "chexpert", str(tmp_path / "missing"), str(out)]) == 2
    assert main(["adapt", "no_such_dataset", str(tmp_path), str(out)]) == 2
    fx.csv(tmp_path / "train.csv", ["Path"], [["a.jpg"]])
    assert main(["adapt", "chexpert", str(tmp_path), str(out)]) == 2
    assert not out.exists()
