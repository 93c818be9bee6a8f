"""VinDr-CXR, Object-CXR and TBX11K adapters (boxes), including the real TBX11K sample."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from preprocessing import ADAPTERS
from preprocessing.errors import AnnotationFormatError, DatasetLayoutError
from preprocessing.masks import boxes_to_mask
from preprocessing.object_cxr import parse_annotation

VINDR_HEADER = ["image_id", "class_name", "class_id", "rad_id", "x_min", "y_min", "x_max", "y_max"]


def test_vindr_kaggle_layout_union_over_readers(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.dicom(tmp_path / "train/img1.dicom")
    fx.dicom(tmp_path / "train/img2.dicom")
    fx.csv(
        tmp_path / "train.csv",
        VINDR_HEADER,
        [
            ["img1", "Nodule/Mass", 8, "R9", 10, 20, 30, 40],
            ["img1", "Aortic enlargement", 0, "R10", 1, 2, 3, 4],
            ["img1", "No finding", 14, "R8", "", "", "", ""],
            ["img2", "No finding", 14, "R1", "", "", "", ""],
            ["img2", "No finding", 14, "R2", "", "", "", ""],
            ["img3", "No finding", 14, "R1", "", "", "", ""],
        ],
    )
    manifest = ADAPTERS.get("vindr_cxr")(tmp_path, None)
    rows = manifest.rows.set_index("study_id")
    one = rows.loc["img1"]
    assert (
        one["Lung Lesion"],
        one["x_aortic_enlargement"],
        one["No Finding"],
        one["Cardiomegaly"],
        one["Fracture"],
        one["split"],
    ) == ("1", "1", "0", "0", "", "train")
    assert json.loads(one["boxes"]) == [
        [10.0, 20.0, 30.0, 40.0, "Lung Lesion"],
        [1.0, 2.0, 3.0, 4.0, "x_aortic_enlargement"],
    ]
    assert (rows.loc["img2", "No Finding"], rows.loc["img2", "boxes"]) == ("1", "[]")
    assert [s.path for s in manifest.skipped] == ["img3.dicom"]


def test_vindr_physionet_layout_gives_test_split(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.dicom(tmp_path / "test/t1.dicom")
    header = ["image_id", "rad_id", "class_name", "x_min", "y_min", "x_max", "y_max"]
    fx.csv(tmp_path / "annotations/annotations_test.csv", header, [["t1", "R11", "Rib fracture", 1, 1, 5, 5]])
    row = ADAPTERS.get("vindr_cxr")(tmp_path, None).rows.iloc[0]
    assert (row["split"], row["Fracture"], row["image_path"]) == ("test", "1", "test/t1.dicom")
    with pytest.raises(DatasetLayoutError):
        ADAPTERS.get("vindr_cxr")(tmp_path / "test", None)


def test_object_cxr_shapes_to_boxes() -> None:
    boxes = parse_annotation("0 10 20 30 40;1 5 6 15 16;2 1 9 4 2 7 5")
    assert boxes == [
        [10, 20, 30, 40, "x_foreign_object"],
        [5, 6, 15, 16, "x_foreign_object"],
        [1, 2, 7, 9, "x_foreign_object"],
    ]
    assert parse_annotation("") == []
    with pytest.raises(AnnotationFormatError):
        parse_annotation("3 1 2 3 4")


def test_object_cxr_splits_and_labels(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.image(tmp_path / "train/00001.jpg")
    fx.image(tmp_path / "dev/08001.jpg")
    fx.csv(
        tmp_path / "train.csv", ["image_name", "annotation"], [["00001.jpg", "0 1 2 3 4"], ["00002.jpg", ""]]
    )
    fx.csv(tmp_path / "dev.csv", ["image_name", "annotation"], [["08001.jpg", ""]])
    manifest = ADAPTERS.get("object_cxr")(tmp_path, None)
    got = manifest.rows[["image_path", "split", "x_foreign_object", "boxes"]].values.tolist()
    assert got == [
        ["train/00001.jpg", "train", "1", '[[1.0, 2.0, 3.0, 4.0, "x_foreign_object"]]'],
        ["dev/08001.jpg", "valid", "0", "[]"],
    ]
    assert manifest.skipped[0].path == "train/00002.jpg"


def _check_tbx11k(root: Path) -> None:
    manifest = ADAPTERS.get("tbx11k")(root, None)
    rows = manifest.rows.set_index("study_id")
    assert list(rows.index) == ["tb0005", "tb0007", "h0001"]
    assert rows.loc["tb0007", "image_path"] == "imgs/tb/tb0007.png"
    assert (rows.loc["tb0005", "x_tuberculosis"], rows.loc["h0001", "x_tuberculosis"]) == ("1", "0")
    assert (rows.loc["h0001", "No Finding"], rows.loc["h0001", "boxes"]) == ("1", "[]")
    assert set(rows["split"]) == {"train"}
    boxes = json.loads(rows.loc["tb0007", "boxes"])
    assert [b[4] for b in boxes] == ["x_obsolete_pulmonary_tuberculosis"] * 2
    x, y, w, h = 307.3073425292969, 62.050445556640625, 135.50369262695312, 146.6112823486328
    assert boxes[0][:4] == pytest.approx([x, y, x + w, y + h])
    mask = boxes_to_mask(boxes, 512, 512)
    assert mask[100, 350] == 1 and mask[10, 10] == 0


@pytest.mark.realdata
def test_tbx11k_real_sample(realdata: Path) -> None:
    _check_tbx11k(realdata / "radiographs/torchxrayvision_tests/tbx11k_test_data")


def test_tbx11k_fixture_in_the_same_format(tmp_path: Path, fx: SimpleNamespace) -> None:
    for rel in ("tb/tb0005.png", "tb/tb0007.png", "health/h0001.png"):
        fx.image(tmp_path / "imgs" / rel)
    coco = {
        "categories": [
            {"id": 1, "name": "ActiveTuberculosis"},
            {"id": 2, "name": "ObsoletePulmonaryTuberculosis"},
        ],
        "images": [
            {"id": 1, "file_name": "tb/tb0005.png"},
            {"id": 2, "file_name": "tb/tb0007.png"},
            {"id": 601, "file_name": "health/h0001.png"},
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [381.8, 126.8, 40.2, 44.5]},
            {
                "id": 2,
                "image_id": 2,
                "category_id": 2,
                "bbox": [307.3073425292969, 62.050445556640625, 135.50369262695312, 146.6112823486328],
            },
            {"id": 3, "image_id": 2, "category_id": 2, "bbox": [144.1, 52.9, 126.1, 116.2]},
        ],
    }
    (tmp_path / "annotations/json").mkdir(parents=True)
    (tmp_path / "annotations/json/TBX11K_train.json").write_text(json.dumps(coco))
    _check_tbx11k(tmp_path)
    coco["annotations"][0]["image_id"] = 99
    (tmp_path / "annotations/json/TBX11K_train.json").write_text(json.dumps(coco))
    with pytest.raises(AnnotationFormatError, match="unknown image"):
        ADAPTERS.get("tbx11k")(tmp_path, None)
