"""Every written file decodes: radiograph DICOM tags, CT series geometry, dcm2niix, NIfTI affine/HU."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest


def test_every_dicom_opens_and_decodes(synth_dir: Path) -> None:
    files = sorted(synth_dir.rglob("*.dcm"))
    assert files
    seen: dict[str, set[str]] = {"Modality": set(), "PhotometricInterpretation": set(), "ViewPosition": set()}
    bits = set()
    for path in files:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array
        assert pixels.shape == (ds.Rows, ds.Columns) and pixels.size > 0
        assert int(pixels.max()) < (1 << ds.BitsStored) or ds.PixelRepresentation == 1
        for key, values in seen.items():
            if key in ds:
                values.add(str(ds.data_element(key).value))
        if ds.Modality in ("CR", "DX"):
            bits.add(int(ds.BitsStored))
            assert ds.BitsAllocated == 16 and 12 <= ds.BitsStored <= 16
            assert "WindowCenter" in ds and "WindowWidth" in ds and "PixelSpacing" in ds
            if ds.Modality == "CR":
                assert "ImagerPixelSpacing" in ds
            assert pixels.std() > 0  # never a blank image
    assert seen["Modality"] >= {"CR", "DX", "CT"}
    assert seen["PhotometricInterpretation"] >= {"MONOCHROME1", "MONOCHROME2"}
    assert seen["ViewPosition"] >= {"PA", "LL"}
    assert len(bits) > 1


def test_monochrome1_is_inverted(synth_dir: Path) -> None:
    """Bright = dense after undoing MONOCHROME1: the spine column is brighter than the lung fields."""
    for path in sorted((synth_dir / "cxr").rglob("*.dcm")):
        ds = pydicom.dcmread(path)
        if ds.ViewPosition == "LL":
            continue
        a = ds.pixel_array.astype(float)
        if ds.PhotometricInterpretation == "MONOCHROME1":
            a = (1 << ds.BitsStored) - 1 - a
        h, w = a.shape
        spine = a[int(0.3 * h):int(0.45 * h), w // 2 - 2:w // 2 + 2].mean()
        lung = min(a[int(0.3 * h):int(0.45 * h), int(0.25 * w):int(0.3 * w)].mean(),
                   a[int(0.3 * h):int(0.45 * h), int(0.7 * w):int(0.75 * w)].mean())
        assert spine > lung, path


def _ct_series(synth_dir: Path) -> list[Path]:
    return sorted(p for p in (synth_dir / "ct" / "dicom").glob("*/*/*") if p.is_dir())


def test_ct_series_geometry_and_hu(synth_dir: Path) -> None:
    series = _ct_series(synth_dir)
    assert series
    axial_count = 0
    for folder in series:
        datasets = [pydicom.dcmread(p) for p in sorted(folder.glob("*.dcm"))]
        if "LOCALIZER" in datasets[0].ImageType:
            assert len(datasets) == 1
            continue
        axial_count += 1
        assert all(list(ds.ImageType) == ["ORIGINAL", "PRIMARY", "AXIAL"] for ds in datasets)
        z = np.array([float(ds.ImagePositionPatient[2]) for ds in datasets])
        order = np.argsort(z)
        steps = np.diff(z[order])
        assert np.allclose(steps, float(datasets[0].SliceThickness), atol=1e-3)
        hu = np.stack([datasets[i].pixel_array * float(datasets[i].RescaleSlope) + float(datasets[i].RescaleIntercept)
                       for i in order], axis=-1)
        assert -1100 < np.percentile(hu, 1) < -900  # air
        assert hu.max() > 400  # bone
        fat_or_soft = ((hu > -150) & (hu < 100)).mean()
        lung = ((hu > -950) & (hu < -700)).mean()
        assert fat_or_soft > 0.1 and lung > 0.03
    assert axial_count > 0


@pytest.mark.skipif(shutil.which("dcm2niix", path=str(Path(sys.executable).parent)) is None, reason="no dcm2niix")
def test_dcm2niix_converts_every_ct_series(synth_dir: Path, tmp_path: Path) -> None:
    exe = shutil.which("dcm2niix", path=str(Path(sys.executable).parent))
    for folder in _ct_series(synth_dir):
        first = pydicom.dcmread(next(folder.glob("*.dcm")), stop_before_pixels=True)
        if "LOCALIZER" in first.ImageType:
            continue
        out = tmp_path / folder.parent.name / folder.name
        out.mkdir(parents=True)
        subprocess.run([exe, "-z", "y", "-f", "vol", "-o", str(out), str(folder)], check=True,
                       capture_output=True, timeout=60)
        vols = sorted(out.glob("*.nii.gz"))
        assert len(vols) == 1, (folder, vols)
        assert nib.load(vols[0]).shape[2] == len(list(folder.glob("*.dcm")))


def test_nifti_volumes_are_ras_hu(synth_dir: Path, truth: list[dict[str, str]]) -> None:
    rows = [r for r in truth if r["format"] == "nifti"]
    assert rows
    for r in rows:
        img = nib.load(synth_dir / r["path"])
        assert nib.aff2axcodes(img.affine) == ("R", "A", "S")
        hu = np.asarray(img.dataobj, dtype=np.float32)
        assert hu.ndim == 3 and -1100 < hu.min() < -900 and hu.max() > 400
        assert img.header.get_zooms()[2] == pytest.approx(5.0)
