"""NIH ChestX-ray14, RSNA Pneumonia and SIIM-ACR adapters (fixtures, plus real NIH/SIIM rows)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from preprocessing import ADAPTERS
from preprocessing.masks import siim_rle_encode

NIH_HEADER = [
    "Image Index",
    "Finding Labels",
    "Follow-up #",
    "Patient ID",
    "Patient Age",
    "Patient Gender",
    "View Position",
    "OriginalImage[Width",
    "Height]",
    "OriginalImagePixelSpacing[x",
    "y]",
    "",
]


def test_nih_labels_boxes_and_official_splits(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.image(tmp_path / "images_001/images/00000001_000.png")
    fx.image(tmp_path / "images_002/images/00000002_001.png")
    fx.csv(
        tmp_path / "Data_Entry_2017.csv",
        NIH_HEADER,
        [
            [
                "00000001_000.png",
                "Cardiomegaly|Effusion|Nodule",
                0,
                1,
                58,
                "M",
                "PA",
                2682,
                2749,
                0.143,
                0.143,
                "",
            ],
            ["00000002_001.png", "No Finding", 1, 2, 81, "F", "AP", 2500, 2048, 0.171, 0.171, ""],
            ["00000003_000.png", "Hernia", 0, 3, 81, "F", "PA", 2500, 2048, 0.171, 0.171, ""],
        ],
    )
    fx.csv(
        tmp_path / "BBox_List_2017.csv",
        ["Image Index", "Finding Label", "Bbox [x", "y", "w", "h]", "", "", ""],
        [["00000001_000.png", "Infiltrate", 10, 20, 30, 40, "", "", ""]],
    )
    fx.lines(tmp_path / "train_val_list.txt", ["00000001_000.png", "00000003_000.png"])
    fx.lines(tmp_path / "test_list.txt", ["00000002_001.png"])
    manifest = ADAPTERS.get("nih_cxr14")(tmp_path, None)
    rows = manifest.rows.set_index("study_id")
    one = rows.loc["00000001_000"]
    assert one["image_path"] == "images_001/images/00000001_000.png"
    assert (
        one["Cardiomegaly"],
        one["Pleural Effusion"],
        one["Lung Lesion"],
        one["x_nodule"],
        one["x_mass"],
        one["Pneumonia"],
        one["No Finding"],
        one["Fracture"],
    ) == ("1", "1", "1", "1", "0", "0", "0", "")
    assert json.loads(one["boxes"]) == [[10.0, 20.0, 40.0, 60.0, "x_infiltration"]]
    assert (one["split"], one["view_position"], one["patient_id"]) == ("train", "PA", "1")
    two = rows.loc["00000002_001"]
    assert (two["split"], two["No Finding"], two["x_hernia"], two["boxes"]) == ("test", "1", "0", "")
    assert [s.path for s in manifest.skipped] == ["00000003_000.png"]


@pytest.mark.realdata
def test_nih_real_rows_and_images(realdata: Path, tmp_path: Path) -> None:
    """The exact published rows (header quirks included) with the real PNGs linked in."""
    source = realdata / "radiographs/torchxrayvision_tests"
    lines = (source / "labels_nih_chestxray14_rows.csv").read_text().splitlines()
    (tmp_path / "Data_Entry_2017_v2020.csv").write_text(
        "\n".join(line for line in lines if not line.startswith("#"))
    )
    (tmp_path / "images").mkdir()
    for name in ("00000001_000.png", "00027426_000.png"):
        (tmp_path / "images" / name).symlink_to(source / name)
    rows = ADAPTERS.get("nih_cxr14")(tmp_path, None).rows.set_index("study_id")
    assert (rows.loc["00000001_000", "Cardiomegaly"], rows.loc["00000001_000", "No Finding"]) == ("1", "0")
    assert (rows.loc["00027426_000", "No Finding"], rows.loc["00027426_000", "patient_id"]) == ("1", "27426")
    assert set(rows["view_position"]) == {"PA"}


def test_rsna_groups_boxes_and_reads_view(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.dicom(tmp_path / "stage_2_train_images/pos.dcm", ViewPosition="AP")
    fx.dicom(tmp_path / "stage_2_train_images/neg.dcm", ViewPosition="PA")
    (tmp_path / "stage_2_train_images/bad.dcm").write_bytes(b"not a dicom at all")
    fx.csv(
        tmp_path / "stage_2_train_labels.csv",
        ["patientId", "x", "y", "width", "height", "Target"],
        [
            ["pos", 264, 152, 213, 379, 1],
            ["pos", 562, 152, 256, 453, 1],
            ["neg", "", "", "", "", 0],
            ["bad", "", "", "", "", 0],
            ["gone", "", "", "", "", 0],
        ],
    )
    fx.csv(
        tmp_path / "stage_2_detailed_class_info.csv",
        ["patientId", "class"],
        [["pos", "Lung Opacity"], ["neg", "Normal"]],
    )
    manifest = ADAPTERS.get("rsna_pneumonia")(tmp_path, None)
    rows = manifest.rows.set_index("patient_id")
    assert json.loads(rows.loc["pos", "boxes"]) == [
        [264.0, 152.0, 477.0, 531.0, "Pneumonia"],
        [562.0, 152.0, 818.0, 605.0, "Pneumonia"],
    ]
    assert (
        rows.loc["pos", "Pneumonia"],
        rows.loc["pos", "No Finding"],
        rows.loc["pos", "view_position"],
    ) == ("1", "0", "AP")
    assert (rows.loc["neg", "Pneumonia"], rows.loc["neg", "No Finding"], rows.loc["neg", "boxes"]) == (
        "0",
        "1",
        "[]",
    )
    assert {s.path: s.reason.split(":")[0] for s in manifest.skipped} == {
        "stage_2_train_images/bad.dcm": "not_dicom",
        "gone.dcm": "listed in stage_2_train_labels.csv but absent on disk",
    }


def test_siim_decodes_union_mask_per_image(tmp_path: Path, fx: SimpleNamespace) -> None:
    root = tmp_path / "siim"
    fx.dicom(
        root / "dicom-images-train/1.2.3/1.2.3.4/img-pos.dcm",
        rows=6,
        columns=8,
        ViewPosition="PA",
        PatientID="anon-1",
        StudyInstanceUID="1.2.3",
    )
    fx.dicom(root / "dicom-images-train/1.2.9/1.2.9.4/img-neg.dcm", rows=6, columns=8, ViewPosition="AP")
    region_a, region_b = np.zeros((6, 8), np.uint8), np.zeros((6, 8), np.uint8)
    region_a[1:3, 2:4] = 1
    region_b[5, 7] = 1
    fx.csv(
        root / "train-rle.csv",
        ["ImageId", " EncodedPixels"],
        [  # the release has the leading space
            ["img-pos", " " + siim_rle_encode(region_a)],
            ["img-pos", " " + siim_rle_encode(region_b)],
            ["img-neg", " -1"],
            ["img-absent", " -1"],
        ],
    )
    manifest = ADAPTERS.get("siim_pneumothorax")(root, None, mask_dir=tmp_path / "masks")
    rows = manifest.rows.set_index("image_path")
    pos = rows.loc["dicom-images-train/1.2.3/1.2.3.4/img-pos.dcm"]
    assert (pos["Pneumothorax"], pos["patient_id"], pos["study_id"], pos["view_position"]) == (
        "1",
        "anon-1",
        "1.2.3",
        "PA",
    )
    np.testing.assert_array_equal(np.asarray(Image.open(pos["mask_path"])), region_a | region_b)
    neg = rows.loc["dicom-images-train/1.2.9/1.2.9.4/img-neg.dcm"]
    assert neg["Pneumothorax"] == "0" and not np.asarray(Image.open(neg["mask_path"])).any()
    assert [s.path for s in manifest.skipped] == ["img-absent.dcm"]


def test_siim_bad_rle_row_is_recorded_not_fatal(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.dicom(tmp_path / "a.dcm")
    fx.dicom(tmp_path / "b.dcm")
    fx.csv(tmp_path / "train-rle.csv", ["ImageId", "EncodedPixels"], [["a", "5 999"], ["b", "-1"]])
    manifest = ADAPTERS.get("siim_pneumothorax")(tmp_path, None, mask_dir=tmp_path / "m")
    assert manifest.rows["image_path"].tolist() == ["b.dcm"]
    assert manifest.skipped[0].path == "a.dcm" and "RLE" in manifest.skipped[0].reason


@pytest.mark.realdata
def test_siim_real_row_and_dicom(realdata: Path, tmp_path: Path) -> None:
    source = realdata / "radiographs/torchxrayvision_tests"
    lines = (source / "labels_siim_pneumothorax_rows.csv").read_text().splitlines()
    (tmp_path / "train-rle.csv").write_text("\n".join(line for line in lines if not line.startswith("#")))
    uid = "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819"
    (tmp_path / "dicom-images-train").mkdir()
    (tmp_path / "dicom-images-train" / f"{uid}.dcm").symlink_to(source / f"{uid}.dcm")
    manifest = ADAPTERS.get("siim_pneumothorax")(tmp_path, None, mask_dir=tmp_path / "masks")
    row = manifest.rows.iloc[0]
    assert (row["Pneumothorax"], row["image_path"]) == ("0", f"dicom-images-train/{uid}.dcm")
    mask = np.asarray(Image.open(row["mask_path"]))
    assert mask.shape == (1024, 1024) and not mask.any()
