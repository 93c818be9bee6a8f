"""Lesion-size breakdown: pseudonymous sample keys joined to synthetic sizes through the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medvlp.data.manifest import write_manifest
from medvlp.evaluation.lesion_size import (
    LesionJoinError,
    lesion_size_breakdown,
    sample_study_keys,
    size_bins,
    source_study_key,
)

# six CT studies: four DICOM folders (many files each) and two NIfTI files
TRUTH = pd.DataFrame({
    "study_key": ["ct-0", "ct-1", "ct-2", "ct-3", "ct-4", "ct-5"],
    "path": ["ct/dicom/p0/ct-0", "ct/dicom/p1/ct-1", "ct/dicom/p2/ct-2", "ct/dicom/p3/ct-3",
             "ct/nifti/ct-4.nii.gz", "ct/nifti/ct-5.nii.gz"],
    "Lung Nodule": [1, 1, 1, 0, 0, 0],
    "Lung Nodule|size_mm": [5.0, 12.0, 25.0, np.nan, np.nan, np.nan],
})


def manifest_rows(paths: list[str]) -> list[dict]:
    rows = []
    for i, path in enumerate(paths):
        study = i // 2  # two files per DICOM study in this fixture
        rows.append({"source_index": i, "path": path, "status": "ok", "study_id": f"study-h{study}",
                     "key": f"study-h{study}_00"})
    rows.append({"source_index": len(paths), "path": "ct/dicom/p9/ct-9/1/1.dcm", "status": "skipped"})
    return rows


PATHS = ["ct/dicom/p0/ct-0/1/1.dcm", "ct/dicom/p0/ct-0/1/2.dcm", "ct/dicom/p1/ct-1/1/1.dcm",
         "ct/dicom/p1/ct-1/1/2.dcm", "ct/dicom/p2/ct-2/2/1.dcm", "ct/dicom/p2/ct-2/2/2.dcm",
         "ct/dicom/p3/ct-3/1/1.dcm", "ct/dicom/p3/ct-3/1/2.dcm", "ct/nifti/ct-4.nii.gz", "ct/nifti/ct-4.nii.gz",
         "ct/nifti/ct-5.nii.gz", "ct/nifti/ct-5.nii.gz"]


def test_source_path_finds_the_enclosing_study() -> None:
    index = {"ct/dicom/p0/ct-0": "ct-0", "ct/nifti/ct-4.nii.gz": "ct-4"}
    assert source_study_key("ct/dicom/p0/ct-0/3/17.dcm", index) == "ct-0"
    assert source_study_key("ct/nifti/ct-4.nii.gz", index) == "ct-4"
    assert source_study_key("ct/dicom/p0/ct-01/1/1.dcm", index) is None  # no partial-name match


def test_breakdown_joins_through_the_manifest(tmp_path: Path) -> None:
    write_manifest(manifest_rows(PATHS), tmp_path / "ingest")
    keys = sample_study_keys(tmp_path / "ingest", TRUTH)
    assert keys["study-h0_00"] == "ct-0" and keys["study-h4"] == "ct-4"
    # scores: the small nodule is missed (below every negative), the larger two are found
    predictions = {"scores": np.array([[0.1], [0.9], [0.8], [0.3], [0.2], [0.4]]),
                   "targets": np.array([[1.0], [1.0], [1.0], [0.0], [0.0], [0.0]]),
                   "valid": np.ones((6, 1), bool), "names": np.array(["Lung Nodule"]),
                   "sample_keys": np.array([f"study-h{i}_00" for i in range(6)])}
    np.savez(tmp_path / "pred.npz", **predictions)
    (tmp_path / "synth").mkdir()
    TRUTH.to_csv(tmp_path / "synth" / "ground_truth.csv", index=False)
    table = lesion_size_breakdown(tmp_path / "pred.npz", tmp_path / "synth", tmp_path / "ingest", edges=[10, 20])
    assert table["n_positive"].tolist() == [1, 1, 1] and set(table["n_negative"]) == {3}
    assert table["auroc"].tolist() == pytest.approx([0.0, 1.0, 1.0])
    assert table["min_mm"].tolist() == [5.0, 12.0, 25.0]


def test_hashed_source_paths_make_the_join_impossible(tmp_path: Path) -> None:
    hashed = [f"{i:064x}" for i in range(len(PATHS))]
    write_manifest(manifest_rows(hashed), tmp_path)
    with pytest.raises(LesionJoinError, match="record_paths: hashed"):
        sample_study_keys(tmp_path, TRUTH)


def test_tertiles_put_a_third_of_the_sizes_in_each_bin() -> None:
    sizes = np.arange(1.0, 10.0)
    bins, labels = size_bins(sizes)
    assert len(labels) == 3 and np.bincount(bins).tolist() == [3, 3, 3]
