"""``medvlp convert`` agrees with dcm2niix (the pip binary, run as an oracle) on series written here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from io_dicom_factory import ct_slice, save, write_ct_series
from pydicom.uid import generate_uid

from medvlp.cli.main import main


def _dcm2niix() -> str:
    local = Path(sys.executable).parent / "dcm2niix"
    found = str(local) if local.exists() else shutil.which("dcm2niix")
    if not found:
        pytest.skip("dcm2niix binary not installed (pip install dcm2niix)")
    return found


def _volume(shape: tuple[int, int, int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 3000, size=shape, dtype=np.int16)


def _oblique_orientation() -> tuple[float, ...]:
    angle = np.radians(20)
    return (1.0, 0.0, 0.0, 0.0, float(np.cos(angle)), float(np.sin(angle)))


def _compare(ours: nib.Nifti1Image, ref: nib.Nifti1Image) -> None:
    ours_c, ref_c = nib.as_closest_canonical(ours), nib.as_closest_canonical(ref)
    assert ours_c.shape == ref_c.shape
    assert np.array_equal(np.asarray(ours_c.dataobj), np.asarray(ref_c.dataobj))
    assert np.abs(ours_c.affine - ref_c.affine).max() < 1e-3


@pytest.mark.parametrize("oblique", [False, True])
def test_convert_matches_dcm2niix(tmp_path: Path, oblique: bool) -> None:
    dicom = tmp_path / "dicom"
    stored = _volume((7, 20, 24), seed=3)
    orientation = _oblique_orientation() if oblique else (1, 0, 0, 0, 1, 0)
    normal = np.cross(orientation[:3], orientation[3:])
    write_ct_series(dicom / "study" / "series1", stored, step=tuple(2.5 * normal), orientation=orientation,
                    spacing=(0.7, 0.6))
    scout = ct_slice(np.zeros((20, 24), np.int16), (0, 0, 0), series_uid=generate_uid(),
                     ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    save(scout, dicom / "study" / "scout" / "1.dcm")
    (dicom / "study" / "notes.txt").write_text("not an image")

    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    subprocess.run([_dcm2niix(), "-z", "y", "-f", "%s_%d", "-o", str(ref_dir), str(dicom)], check=True,
                   capture_output=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    refs = [p for p in ref_dir.glob("*.nii.gz") if "ROI" not in p.name]
    assert main(["convert", str(dicom), str(tmp_path / "ours")]) == 0
    ours = sorted((tmp_path / "ours").glob("*.nii.gz"))
    assert len(ours) == 1, "the localizer must not become a volume"
    ref = next(p for p in refs if nib.load(p).shape == (24, 20, 7))
    _compare(nib.load(ours[0]), nib.load(ref))
    image = nib.load(ours[0])
    assert image.get_data_dtype() == np.int16 and image.dataobj.inter == -1024.0

    sidecar = json.loads(ours[0].with_name(ours[0].name.replace(".nii.gz", ".json")).read_text())
    assert sidecar["SliceCount"] == 7 and sidecar["Modality"] == "CT"
    assert np.allclose(sidecar["Spacing"], [0.6, 0.7, 2.5])
    assert {s["code"] for s in sidecar["SkippedFiles"]} == {"localizer", "not_dicom"}
    assert all(not Path(s["path"]).is_absolute() for s in sidecar["SkippedFiles"])


def test_convert_resample_and_tilt_options(tmp_path: Path) -> None:
    dicom = tmp_path / "dicom"
    # gantry tilt: each slice shifted along the column direction as it advances
    write_ct_series(dicom, _volume((6, 16, 16), seed=4), step=(0.0, 0.5, 2.0))
    assert main(["convert", str(dicom), str(tmp_path / "out"), "--tilt-correct", "--resample", "1.0"]) == 0
    out = next((tmp_path / "out").glob("*.nii.gz"))
    sidecar = json.loads(out.with_name(out.name.replace(".nii.gz", ".json")).read_text())
    assert sidecar["Resampled"] is True
    assert sidecar["GantryTiltDegrees"] == pytest.approx(np.degrees(np.arctan(0.5 / 2.0)), abs=1e-3)
    affine = nib.load(out).affine
    assert np.allclose(np.linalg.norm(affine[:3, :3], axis=0), 1.0)
    assert abs(np.dot(affine[:3, 1], affine[:3, 2])) < 1e-6, "tilt shear removed"
