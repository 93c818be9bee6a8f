"""Series assembly on series written here: geometry sorting, splits, gaps, duplicates, the affine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from io_dicom_factory import ct_slice, save, write_ct_series
from pydicom.uid import generate_uid

from medvlp.io import read_dicom_series, read_dicom_volumes


def _stack(n: int, rows: int = 6, cols: int = 5) -> np.ndarray:
    # each slice holds its own index, so the stacking order is visible in the voxels
    return np.stack([np.full((rows, cols), k * 10, dtype=np.int16) for k in range(n)])


def test_slices_sorted_by_position_not_instance_number(tmp_path: Path) -> None:
    write_ct_series(tmp_path, _stack(5), origin=(-10, -20, 30), step=(0, 0, -2.0), reverse_instances=False)
    volume = read_dicom_series(tmp_path)
    # step is -2 mm in z (LPS and RAS agree on z); sorted along +normal the last-written slice comes first
    assert [volume.array[0, 0, k] + 1024 for k in range(5)] == [40, 30, 20, 10, 0]
    assert np.allclose(np.diff(volume.slice_positions), 2.0)


def test_affine_follows_dicom_geometry(tmp_path: Path) -> None:
    write_ct_series(tmp_path, _stack(4), origin=(-10, -20, 30), step=(0, 0, 3.0), spacing=(0.8, 0.5))
    volume = read_dicom_series(tmp_path)
    assert volume.shape == (5, 6, 4)  # [columns, rows, slices]
    expected = np.array([[-0.5, 0, 0, 10], [0, -0.8, 0, 20], [0, 0, 3.0, 30], [0, 0, 0, 1]])  # LPS -> RAS
    assert np.allclose(volume.affine, expected)
    assert np.allclose(volume.spacing, (0.5, 0.8, 3.0))
    assert volume.metadata["units"] == "HU" and volume.array.dtype == np.float32


def test_missing_slice_and_irregular_spacing_are_flagged(tmp_path: Path) -> None:
    paths = write_ct_series(tmp_path, _stack(6), step=(0, 0, 2.0))
    paths[3].unlink()
    volume = read_dicom_series(tmp_path)
    assert volume.metadata["missing_slices"] == 1 and volume.metadata["irregular_spacing"]
    assert volume.metadata["slice_count"] == 5


def test_gantry_tilt_is_measured(tmp_path: Path) -> None:
    write_ct_series(tmp_path, _stack(4), step=(0, 1.0, 2.0))
    volume = read_dicom_series(tmp_path)
    assert np.isclose(volume.metadata["gantry_tilt_degrees"], np.degrees(np.arctan(0.5)))


def test_nested_tree_splits_series_and_records_skips(tmp_path: Path) -> None:
    write_ct_series(tmp_path / "a" / "b" / "s1", _stack(3))
    write_ct_series(tmp_path / "a" / "s2", _stack(4, rows=8))
    scout = ct_slice(np.zeros((6, 5), np.int16), (0, 0, 0), series_uid=generate_uid(),
                     ImageType=["ORIGINAL", "PRIMARY", "LOCALIZER"])
    save(scout, tmp_path / "a" / "scout.dcm")
    derived = ct_slice(np.zeros((6, 5), np.int16), (0, 0, 0), series_uid=generate_uid(),
                       ImageType=["DERIVED", "SECONDARY", "MPR"])
    save(derived, tmp_path / "derived.dcm")
    (tmp_path / "README").write_text("hello")
    result = read_dicom_volumes(tmp_path)
    assert sorted(v.shape for v in result.volumes) == [(5, 6, 3), (5, 8, 4)]
    assert sorted(s.code for s in result.skipped) == ["derived", "localizer", "not_dicom"]


def test_duplicate_positions_in_one_series_are_split_not_merged(tmp_path: Path) -> None:
    uid = generate_uid()
    for copy in range(2):
        for k in range(3):
            ds = ct_slice(np.full((4, 4), copy * 100 + k, np.int16), (0, 0, 2.0 * k), series_uid=uid,
                          instance=copy * 3 + k + 1, AcquisitionNumber=copy + 1)
            save(ds, tmp_path / f"{copy}_{k}.dcm")
    result = read_dicom_volumes(tmp_path)
    assert len(result.volumes) == 2
    assert {float(v.array.max()) + 1024 for v in result.volumes} == {2.0, 102.0}
    assert all("duplicate positions split by acquisition_number" in v.metadata["notes"] for v in result.volumes)


def test_exact_duplicate_file_is_skipped(tmp_path: Path) -> None:
    paths = write_ct_series(tmp_path / "s", _stack(3))
    (tmp_path / "copy.dcm").write_bytes(paths[0].read_bytes())
    result = read_dicom_volumes(tmp_path)
    assert len(result.volumes) == 1 and result.volumes[0].shape[2] == 3
    assert [s.code for s in result.skipped] == ["duplicate_instance"]


def test_volume_identifiers_are_separate_and_pseudonymisable(tmp_path: Path) -> None:
    from medvlp.io import Pseudonymizer, with_pseudonyms

    write_ct_series(tmp_path, _stack(2))
    volume = read_dicom_series(tmp_path)
    assert volume.ids.patient_id == "MRN-0042" and volume.ids.accession_number == "ACC-777"
    assert "MRN-0042" not in repr(volume.metadata) and volume.ids.series_uid not in repr(volume.metadata)
    hidden = with_pseudonyms(volume, Pseudonymizer(b"s" * 32))
    assert hidden.ids.patient_id.startswith("patient-") and hidden.array is volume.array
