"""Conformance against tools nobody on this project wrote: dcm2niix references, pydicom values, WG04.

Needs the real scanner files (``realdata`` fixture, env MEDVLP_REALDATA); skipped otherwise.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest

from medvlp.io import ValueChain, Volume, load_radiograph_array, read_dicom_volumes, read_radiograph
from medvlp.io.dicom_file import decode_pixels, open_dicom

SERIES_FOLDERS = ["dcm_qa_ct", "dcm_qa_12bit", "dcm_qa_ts", "dcm_qa_decubitus_t1"]
RAW = ValueChain(modality_lut=False, voi_lut=False, invert_monochrome1=False)


def _sha(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _reference_volumes(folder: Path) -> dict[int, nib.Nifti1Image]:
    """dcm2niix reference images keyed by the SeriesNumber in their JSON sidecar."""
    refs = {}
    for sidecar in sorted(folder.glob("Ref*/*.json")):
        image_path = next(iter(sidecar.parent.glob(sidecar.stem + ".nii*")), None)
        if image_path is None:  # Ref_upstream_json holds sidecars only
            continue
        refs[int(json.loads(sidecar.read_text())["SeriesNumber"])] = nib.load(image_path)
    return refs


@pytest.mark.parametrize("name", SERIES_FOLDERS)
def test_volumes_match_dcm2niix_reference(realdata: Path, name: str) -> None:
    folder = realdata / "dicom_series" / name
    refs = _reference_volumes(folder)
    result = read_dicom_volumes(folder / "In")
    ours = {int(v.metadata["series_number"]): v for v in result.volumes}
    assert sorted(ours) == sorted(refs), "one volume per reference series, no extra stacks"
    summary = json.loads((realdata / "dicom_series" / "reference_nifti_summary.json").read_text())
    for number, ref in refs.items():
        ref_canonical = nib.as_closest_canonical(ref)
        mine = ours[number].canonical()
        ref_array = np.asarray(ref_canonical.dataobj)  # scaled by nibabel (int16 + scl_inter)
        assert mine.array.shape == ref_array.shape
        assert np.array_equal(mine.array, ref_array), f"series {number}: voxels differ"
        assert np.abs(mine.affine - ref_canonical.affine).max() < 1e-3, f"series {number}: affine"
        entry = next(v for k, v in summary.items() if Path(k).name == Path(ref.get_filename()).name
                     and k.startswith(name))
        assert np.isclose(mine.array.mean(), entry["data_mean"], atol=1e-4)


def test_ct_series_skips_localizer_derived_and_dicomdir(realdata: Path) -> None:
    result = read_dicom_volumes(realdata / "dicom_series" / "dcm_qa_ct" / "In")
    codes = {s.code for s in result.skipped}
    assert {"localizer", "secondary_capture", "dicomdir"} <= codes
    volume = result.volumes[0]
    assert volume.metadata["units"] == "HU" and volume.array.min() == -1024.0
    assert not volume.metadata["irregular_spacing"] and volume.metadata["missing_slices"] == 0
    assert np.all(np.diff(volume.slice_positions) > 0)


def test_duplicate_series_uid_in_nine_transfer_syntaxes_is_not_merged(realdata: Path) -> None:
    result = read_dicom_volumes(realdata / "dicom_series" / "dcm_qa_ts" / "In")
    assert len(result.volumes) == 9
    assert len({v.ids.series_uid for v in result.volumes}) == 1
    assert all(v.shape == (64, 64, 35) for v in result.volumes)
    first = result.volumes[0].array
    assert all(np.array_equal(v.array, first) for v in result.volumes)


def _reference_values(realdata: Path, tmp: Path) -> list[tuple[Path, dict]]:
    items = []
    for table in sorted((realdata / "radiographs").glob("*/pydicom_reference_values.json")):
        for name, entry in json.loads(table.read_text()).items():
            path = table.parent / name
            if path.suffix == ".zst":
                path = _decompress_zst(path, tmp / path.stem)
            items.append((path, entry))
    return items


def test_stored_and_modality_values_match_pydicom_reference(realdata: Path, tmp_path: Path) -> None:
    for path, entry in _reference_values(realdata, tmp_path):
        ds = open_dicom(path)
        assert _sha(decode_pixels(ds, path)) == entry["stored"]["sha256"], path.name
        modality = read_radiograph(path, ValueChain(modality_lut=True, invert_monochrome1=False)).pixels
        ref = entry["modality_lut"]
        assert list(modality.shape) == ref["shape"], path.name
        assert _sha(modality.astype(ref["dtype"])) == ref["sha256"], path.name


def test_voi_values_match_pydicom_reference(realdata: Path, tmp_path: Path) -> None:
    checked = 0
    for path, entry in _reference_values(realdata, tmp_path):
        if "voi_lut_index0" not in entry:
            continue
        ref = entry["voi_lut_index0"]
        voi = read_radiograph(path, ValueChain(voi_lut=True, invert_monochrome1=False)).pixels
        assert list(voi.shape) == ref["shape"]
        for stat in ("min", "max", "mean"):
            assert np.isclose(float(getattr(voi.astype(np.float64), stat)()), ref[stat], rtol=1e-5, atol=1e-3), (path, stat)
        checked += 1
    assert checked >= 10


def _decompress_zst(source: Path, target: Path) -> Path:
    try:
        import zstandard

        target.write_bytes(zstandard.ZstdDecompressor().decompress(source.read_bytes(), max_output_size=1 << 30))
    except ImportError:
        if shutil.which("zstd") is None:
            pytest.skip("neither the zstandard module nor the zstd CLI is available")
        subprocess.run(["zstd", "-q", "-d", "-f", str(source), "-o", str(target)], check=True)
    return target


def test_wg04_lossless_decodes_bit_identical_to_uncompressed(realdata: Path, tmp_path: Path) -> None:
    root = realdata / "radiographs" / "wg04_nema_via_dicom-test-files"
    compared = 0
    for ref_zst in sorted((root / "REF").glob("*_UNC.zst")):
        stem = ref_zst.name.split("_")[0]
        reference = pydicom.dcmread(_decompress_zst(ref_zst, tmp_path / f"{stem}.dcm"), force=True).pixel_array
        for codec in ("J2KR", "JLSL", "JPLL", "RLE"):
            candidate = root / codec / f"{stem}_{codec}"
            if candidate.exists():
                pixels = read_radiograph(candidate, RAW).pixels
                assert np.array_equal(pixels, reference.astype(np.float32)), candidate.name
                compared += 1
    assert compared >= 8


def test_monochrome1_twin_is_the_inverse_grey_scale(realdata: Path) -> None:
    root = realdata / "radiographs" / "torchxrayvision_tests"
    mono2 = next(p for p in root.glob("1.2.*.dcm"))
    mono1 = root / "Fake_MONOHR1.dcm"
    # same stored pixels; the MONOCHROME1 header means they must display inverted
    assert np.array_equal(read_radiograph(mono1, RAW).pixels, read_radiograph(mono2, RAW).pixels)
    assert np.array_equal(read_radiograph(mono1).pixels, 255.0 - read_radiograph(mono2).pixels)
    assert np.allclose(load_radiograph_array(mono1), 1.0 - load_radiograph_array(mono2), atol=1e-6)


def test_png_radiographs_read_through_the_same_interface(realdata: Path) -> None:
    from PIL import Image

    for png in sorted((realdata / "radiographs" / "torchxrayvision_tests").glob("*.png")):
        image = read_radiograph(png)
        with Image.open(png) as reference:
            expected = np.asarray(reference.convert("L") if reference.mode not in ("L", "I;16") else reference)
        assert np.array_equal(image.pixels, expected.astype(np.float32))
        unit = load_radiograph_array(png, size=256)
        assert unit.shape == (256, 256) and 0.0 <= unit.min() and unit.max() <= 1.0


def test_multiframe_keeps_all_frames(realdata: Path) -> None:
    image = read_radiograph(realdata / "radiographs" / "pydicom_testdata" / "emri_small.dcm")
    assert image.pixels.shape == (10, 64, 64) and image.meta.frames == 10


def test_canonical_matches_nibabel(realdata: Path) -> None:
    ref = nib.load(next((realdata / "dicom_series" / "dcm_qa_decubitus_t1").glob("Ref*/*.nii.gz")))
    volume = Volume(np.asarray(ref.dataobj, dtype=np.float32), ref.affine)
    canonical = nib.as_closest_canonical(ref)
    assert np.array_equal(volume.canonical().array, np.asarray(canonical.dataobj, dtype=np.float32))
    assert np.allclose(volume.canonical().affine, canonical.affine)


def test_enhanced_multiframe_ct_matches_dcm2niix(realdata: Path) -> None:
    root = realdata / "radiographs" / "pydicom_testdata"
    source = root / "eCT_Supplemental.dcm"
    skipped = read_dicom_volumes(source)  # a DERIVED perfusion map: left out unless asked for
    assert not skipped.volumes and [s.code for s in skipped.skipped] == ["derived"]
    volume = read_dicom_volumes(source, include_derived=True).volumes[0].canonical()
    ref = nib.as_closest_canonical(nib.load(root / "Ref_dcm2niix_v1.0.20260724" / "eCT_Supplemental.nii.gz"))
    assert np.array_equal(volume.array, np.asarray(ref.dataobj, dtype=np.float32))
    assert np.abs(volume.affine - ref.affine).max() < 1e-3
