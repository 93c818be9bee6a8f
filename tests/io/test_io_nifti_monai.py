"""NIfTI round trips, canonical orientation, and the MONAI bridge (MetaTensor, ImageReader)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
from io_dicom_factory import write_ct_series

from medvlp.io import Volume, read_dicom_series, read_nifti, write_nifti


def _oblique_affine() -> np.ndarray:
    affine = np.array([[0, 0, -2.0, 50], [0.7, 0, 0, -30], [0, -0.9, 0, 12], [0, 0, 0, 1]])
    return affine


def test_read_nifti_applies_scaling_in_float32(tmp_path: Path) -> None:
    raw = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    image = nib.Nifti1Image(raw, np.eye(4))
    image.header.set_slope_inter(2.0, -1024.0)
    nib.save(image, tmp_path / "s.nii.gz")
    volume = read_nifti(tmp_path / "s.nii.gz")
    assert volume.array.dtype == np.float32
    assert np.array_equal(volume.array, np.asarray(nib.load(tmp_path / "s.nii.gz").get_fdata(), np.float32))


def test_four_d_and_canonical_match_nibabel(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(4, 5, 6, 2)).astype(np.float32)
    nib.save(nib.Nifti1Image(data, _oblique_affine()), tmp_path / "v.nii")
    volume = read_nifti(tmp_path / "v.nii", canonical=True)
    reference = nib.as_closest_canonical(nib.load(tmp_path / "v.nii"))
    assert np.array_equal(volume.array, reference.get_fdata(dtype=np.float32))
    assert np.allclose(volume.affine, reference.affine)


def test_write_nifti_stores_int16_with_scaling_when_exact(tmp_path: Path) -> None:
    write_ct_series(tmp_path / "d", np.random.default_rng(1).integers(0, 2000, (3, 6, 5)).astype(np.int16))
    volume = read_dicom_series(tmp_path / "d")
    path = write_nifti(volume, tmp_path / "o.nii.gz")
    image = nib.load(path)
    assert image.get_data_dtype() == np.int16 and image.dataobj.inter == -1024.0
    back = read_nifti(path)
    assert np.array_equal(back.array, volume.array) and np.allclose(back.affine, volume.affine)
    floats = Volume(volume.array + 0.25, volume.affine, {})
    assert nib.load(write_nifti(floats, tmp_path / "f.nii.gz")).get_data_dtype() == np.float32


def test_metatensor_works_with_monai_orientation(tmp_path: Path) -> None:
    from monai.transforms import Orientation

    data = np.random.default_rng(2).normal(size=(4, 5, 6)).astype(np.float32)
    volume = Volume(data, _oblique_affine())
    tensor = volume.to_metatensor()
    assert tuple(tensor.shape) == (1, 4, 5, 6)
    oriented = Orientation(axcodes="RAS")(tensor)
    canonical = volume.canonical()
    assert np.allclose(oriented[0].numpy(), canonical.array)
    assert np.allclose(oriented.affine.numpy(), canonical.affine)


def test_monai_loadimage_with_series_reader(tmp_path: Path) -> None:
    from monai.transforms import LoadImage

    from medvlp.io.monai_reader import MedVLPDicomSeriesReader

    write_ct_series(tmp_path, np.random.default_rng(3).integers(0, 100, (4, 6, 5)).astype(np.int16))
    loaded = LoadImage(reader=MedVLPDicomSeriesReader(), image_only=True)(str(tmp_path))
    volume = read_dicom_series(tmp_path)
    assert tuple(loaded.shape) == volume.shape
    assert np.array_equal(loaded.numpy(), volume.array)
    assert np.allclose(loaded.affine.numpy(), volume.affine)
