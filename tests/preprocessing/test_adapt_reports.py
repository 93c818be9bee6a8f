"""Report datasets: IU X-ray (OpenI XML and R2Gen), CT-RATE; plus the COVIDx list format."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from medvlp.knowledge.findings import CT
from preprocessing import ADAPTERS
from preprocessing.ct_rate import CLASSES as CT_RATE_CLASSES
from preprocessing.errors import AnnotationFormatError, SplitFileError

IU_XML = """<?xml version="1.0" encoding="utf-8"?>
<eCitation>
  <meta type="rr"/>
  <uId id="{uid}"/>
  <MedlineCitation Owner="Indiana University" Status="supplied by publisher">
    <Article PubModel="Electronic">
      <Abstract>
        <AbstractText Label="COMPARISON">None.</AbstractText>
        <AbstractText Label="INDICATION">XXXX-year-old male, chest pain.</AbstractText>
        <AbstractText Label="FINDINGS">{findings}</AbstractText>
        <AbstractText Label="IMPRESSION">{impression}</AbstractText>
      </Abstract>
    </Article>
  </MedlineCitation>
  <MeSH><major>{mesh}</major></MeSH>
  {images}
</eCitation>
"""


def _iu_root(tmp_path: Path, fx: SimpleNamespace) -> Path:
    root = tmp_path / "iu"
    studies = {
        "CXR1": (
            "The heart is normal in size.",
            "Normal chest x-XXXX.",
            "normal",
            ["CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001"],
        ),
        "CXR2": ("", "Cardiomegaly.", "Cardiomegaly/mild", ["CXR2_IM-0652-1001"]),
        "CXR3": ("Clear.", "", "normal", ["CXR3_IM-1384-1001"]),  # image missing on disk
    }
    for n, (uid, (findings, impression, mesh, images)) in enumerate(studies.items(), start=1):
        parents = "\n  ".join(f'<parentImage id="{i}"><figureId>F1</figureId></parentImage>' for i in images)
        xml = IU_XML.format(uid=uid, findings=findings, impression=impression, mesh=mesh, images=parents)
        (root / "ecgen-radiology").mkdir(parents=True, exist_ok=True)
        (root / "ecgen-radiology" / f"{n}.xml").write_text(xml)
    for image in ("CXR1_1_IM-0001-3001", "CXR1_1_IM-0001-4001", "CXR2_IM-0652-1001"):
        fx.image(root / "NLMCXR_png" / f"{image}.png")
    return root


def test_iu_xray_openi_multiview_reports_and_mesh(tmp_path: Path, fx: SimpleNamespace) -> None:
    manifest = ADAPTERS.get("iu_xray")(_iu_root(tmp_path, fx), None)
    rows = manifest.rows.set_index("study_id")
    assert (
        rows.loc["CXR1", "image_path"]
        == "NLMCXR_png/CXR1_1_IM-0001-3001.png;NLMCXR_png/CXR1_1_IM-0001-4001.png"
    )
    assert (
        rows.loc["CXR1", "report"]
        == "FINDINGS: The heart is normal in size.\n\nIMPRESSION: Normal chest x-XXXX."
    )
    assert rows.loc["CXR2", "report"] == "IMPRESSION: Cardiomegaly."
    assert (rows.loc["CXR1", "No Finding"], rows.loc["CXR2", "No Finding"]) == ("1", "0")
    assert "CXR3" not in rows.index and manifest.skipped[0].path == "CXR3_IM-1384-1001.png"


def test_iu_xray_accepts_r2gen_annotation_as_split_file(tmp_path: Path, fx: SimpleNamespace) -> None:
    annotation = {
        "train": [
            {"id": "CXR1_1_IM-0001", "report": "r", "image_path": ["CXR1_1_IM-0001/0.png"], "split": "train"}
        ],
        "val": [],
        "test": [{"id": "CXR9_IM-9999", "report": "r", "image_path": [], "split": "test"}],
    }
    split_file = tmp_path / "annotation.json"
    split_file.write_text(json.dumps(annotation))
    manifest = ADAPTERS.get("iu_xray")(_iu_root(tmp_path, fx), split_file)
    assert manifest.rows[["study_id", "split"]].values.tolist() == [["CXR1", "train"]]
    reasons = {s.path: s.reason for s in manifest.skipped}
    assert reasons["CXR9_IM-9999"] == "listed in annotation.json but absent on disk"
    assert "R2Gen split" in reasons["NLMCXR_png/CXR2_IM-0652-1001.png"]
    split_file.write_text("[1, 2]")
    with pytest.raises(SplitFileError):
        ADAPTERS.get("iu_xray")(tmp_path / "iu", split_file)


def test_iu_xray_r2gen_layout(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.image(tmp_path / "images/CXR2384_IM-0942/0.png")
    fx.image(tmp_path / "images/CXR2384_IM-0942/1.png")
    annotation = {
        "train": [],
        "val": [
            {
                "id": "CXR2384_IM-0942",
                "report": "The lungs are clear.",
                "image_path": ["CXR2384_IM-0942/0.png", "CXR2384_IM-0942/1.png"],
            }
        ],
        "test": [],
    }
    (tmp_path / "annotation.json").write_text(json.dumps(annotation))
    row = ADAPTERS.get("iu_xray")(tmp_path, None).rows.iloc[0]
    assert (row["image_path"], row["report"], row["split"], row["patient_id"]) == (
        "images/CXR2384_IM-0942/0.png;images/CXR2384_IM-0942/1.png",
        "The lungs are clear.",
        "valid",
        "CXR2384",
    )


def test_iu_xray_malformed_xml(tmp_path: Path) -> None:
    (tmp_path / "ecgen-radiology").mkdir()
    (tmp_path / "ecgen-radiology/1.xml").write_text("<eCitation><uId")
    with pytest.raises(AnnotationFormatError, match="malformed XML"):
        ADAPTERS.get("iu_xray")(tmp_path, None)


def test_ct_rate_volumes_reports_and_label_mapping(tmp_path: Path, fx: SimpleNamespace) -> None:
    data = tmp_path / "dataset"
    fx.nifti(data / "train/train_1/train_1_a/train_1_a_1.nii.gz")
    fx.nifti(data / "train/train_1/train_1_a/train_1_a_2.nii.gz")
    fx.nifti(data / "valid/valid_7/valid_7_a/valid_7_a_1.nii.gz")
    header = ["VolumeName", "ClinicalInformation_EN", "Technique_EN", "Findings_EN", "Impressions_EN"]
    fx.csv(
        data / "radiology_text_reports/train_reports.csv",
        header,
        [
            [
                "train_1_a_1.nii.gz",
                "Cough.",
                "Non-contrast.",
                "Nodule in the right lung.",
                "Pulmonary nodule.",
            ],
            [
                "train_1_a_2.nii.gz",
                "Cough.",
                "Non-contrast.",
                "Nodule in the right lung.",
                "Pulmonary nodule.",
            ],
            ["train_2_a_1.nii.gz", "", "", "x", "y"],
        ],
    )
    fx.csv(
        data / "radiology_text_reports/validation_reports.csv",
        header,
        [["valid_7_a_1.nii.gz", "", "", "Normal.", "No abnormality."]],
    )
    positives = {"Lung nodule", "Bronchiectasis"}
    fx.csv(
        data / "multi_abnormality_labels/train_predicted_labels.csv",
        ["VolumeName", *CT_RATE_CLASSES],
        [["train_1_a_1.nii.gz", *[int(c in positives) for c in CT_RATE_CLASSES]]],
    )
    manifest = ADAPTERS.get("ct_rate")(tmp_path, None)
    assert manifest.label_set is CT
    rows = manifest.rows.set_index("study_id")
    first = rows.loc["train_1_a_1"]
    assert first["image_path"] == "dataset/train/train_1/train_1_a/train_1_a_1.nii.gz"
    assert (first["patient_id"], first["split"]) == ("train_1", "train")
    assert first["report"] == "FINDINGS: Nodule in the right lung.\n\nIMPRESSION: Pulmonary nodule."
    assert (first["Lung Nodule"], first["Emphysema"], first["x_bronchiectasis"]) == ("1", "0", "1")
    assert rows.loc["train_1_a_2", "Lung Nodule"] == ""  # no labels row for this reconstruction
    assert rows.loc["valid_7_a_1", "split"] == "valid"
    assert [s.path for s in manifest.skipped] == ["train_2_a_1.nii.gz"]
    assert list(manifest.rows.columns[8:18]) == list(CT.labels)


def test_covidx_lists_labels_and_splits(tmp_path: Path, fx: SimpleNamespace) -> None:
    fx.image(tmp_path / "train/a.png")
    fx.image(tmp_path / "train/b.jpg")
    fx.image(tmp_path / "test/c.png")
    fx.lines(
        tmp_path / "train.txt",
        ["p1 a.png COVID-19 cohen", "p2 b.jpg pneumonia rsna", "p3 gone.png normal rsna"],
    )
    fx.lines(tmp_path / "test.txt", ["p4 c.png normal rsna"])
    manifest = ADAPTERS.get("covidx")(tmp_path, None)
    got = manifest.rows[["image_path", "patient_id", "split", "x_covid_19", "Pneumonia", "No Finding"]]
    assert got.values.tolist() == [
        ["train/a.png", "p1", "train", "1", "", "0"],
        ["train/b.jpg", "p2", "train", "0", "1", "0"],
        ["test/c.png", "p4", "test", "0", "0", "1"],
    ]
    assert manifest.skipped[0].path == "train/gone.png"
    fx.lines(tmp_path / "test.txt", ["p4 c.png maybe rsna"])
    with pytest.raises(AnnotationFormatError, match="line 1"):
        ADAPTERS.get("covidx")(tmp_path, None)
