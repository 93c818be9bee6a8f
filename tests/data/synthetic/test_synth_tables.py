"""ground_truth.csv / reports.csv / phi_ledger.csv / summary.json contracts, and planted PHI placement."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pydicom

from medvlp.knowledge.findings import CHEXPERT, CT


def _study_dicoms(synth_dir: Path, row: dict[str, str]) -> list[Path]:
    return sorted((synth_dir / row["path"]).rglob("*.dcm")) if row["format"] == "dicom" else []


def test_ground_truth_columns_and_rows(synth_dir: Path, truth: list[dict[str, str]],
                                      synth_counts: tuple[int, int]) -> None:
    n_cxr, n_ct = synth_counts
    columns = list(truth[0].keys())
    assert columns[:6] == ["study_key", "patient_key", "modality", "format", "path", "label_set"]
    for name in (*CHEXPERT.labels, *CT.labels):
        assert name in columns
    for name in CHEXPERT.sided | CT.sided:
        assert f"{name}|laterality" in columns
    for name in CT.labels:
        assert {f"{name}|size_mm", f"{name}|contrast_hu", f"{name}|difficulty"} <= set(columns)
    assert len(truth) == n_cxr + n_ct
    assert sum(r["label_set"] == "chexpert" for r in truth) == n_cxr
    assert len({r["study_key"] for r in truth}) == len(truth)
    for r in truth:
        assert (synth_dir / r["path"]).exists(), r["path"]
        labels = CHEXPERT.labels if r["label_set"] == "chexpert" else CT.labels
        assert all(r[n] in ("1", "0", "-1", "") for n in labels)
        if r["label_set"] == "ct":
            for n in CT.labels:
                if r[n] in ("1", "-1"):
                    assert float(r[f"{n}|size_mm"]) > 0 and r[f"{n}|difficulty"] in ("easy", "medium", "hard")
    assert {r["format"] for r in truth if r["label_set"] == "ct"} <= {"dicom", "nifti"}


def test_patients_have_increasing_study_dates(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    dates: dict[str, list[tuple[str, str]]] = {}
    for r in truth:
        files = _study_dicoms(synth_dir, r)
        if files:
            ds = pydicom.dcmread(files[0], stop_before_pixels=True)
            dates.setdefault(r["patient_key"], []).append((r["study_key"], ds.StudyDate))
    multi = [v for v in dates.values() if len(v) > 1]
    assert multi, "expected several studies per patient"
    for visits in multi:
        ordered = [d for _, d in sorted(visits)]
        assert ordered == sorted(ordered) and len(set(ordered)) == len(ordered)


def test_phi_ledger_values_appear_where_recorded(synth_dir: Path, truth: list[dict[str, str]],
                                                 reports: dict[str, str]) -> None:
    with open(synth_dir / "phi_ledger.csv", newline="") as fh:
        ledger = list(csv.DictReader(fh))
    assert list(ledger[0].keys()) == ["study_id", "where", "value"]
    rows = {r["study_key"]: r for r in truth}
    wheres = {e["where"] for e in ledger}
    assert {"report", "dicom:PatientName", "dicom:PatientID", "dicom:PatientBirthDate", "dicom:AccessionNumber",
            "dicom:InstitutionName", "dicom:ReferringPhysicianName", "dicom:StudyDate"} <= wheres
    headers: dict[str, list[pydicom.Dataset]] = {}
    for e in ledger:
        row = rows[e["study_id"]]
        if e["where"] == "report":
            assert e["value"] in reports[e["study_id"]], e
            txt = synth_dir / row["path"] / "report.txt"
            if row["format"] == "dicom":
                assert e["value"] in txt.read_text(), e
        else:
            keyword = e["where"].split(":", 1)[1]
            if e["study_id"] not in headers:
                headers[e["study_id"]] = [pydicom.dcmread(p, stop_before_pixels=True)
                                          for p in _study_dicoms(synth_dir, row)]
            assert headers[e["study_id"]], e
            assert all(str(ds.data_element(keyword).value) == e["value"] for ds in headers[e["study_id"]]), e
    assert not any(rows[e["study_id"]]["format"] == "nifti" and e["where"].startswith("dicom:") for e in ledger)
    kinds = " ".join(e["value"] for e in ledger if e["where"] == "report")
    assert "Dr. " in kinds and "(" in kinds  # physicians and phone numbers are planted


def test_reports_csv_and_summary(synth_dir: Path, truth: list[dict[str, str]], synth_counts: tuple[int, int]) -> None:
    n_cxr, n_ct = synth_counts
    with open(synth_dir / "reports.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == ["study_key", "accession_number", "study_instance_uid", "report"]
    assert [r["study_key"] for r in rows] == [t["study_key"] for t in truth]
    summary = json.loads((synth_dir / "summary.json").read_text())
    assert summary["n_cxr"] == n_cxr and summary["n_ct"] == n_ct and summary["seed"] == 7
    assert summary["n_ct_dicom"] + summary["n_ct_nifti"] == n_ct
