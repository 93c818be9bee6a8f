"""Radiograph value chain on files written here: rescale, windows, LUT sequences, MONOCHROME1, codecs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from io_dicom_factory import DX_STORAGE, base_dataset, save
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.uid import JPEG2000Lossless, RLELossless

from medvlp.io import ValueChain, load_radiograph_array, read_radiograph

RAW = ValueChain(modality_lut=False, invert_monochrome1=False)


def _pixels(bits: int = 12, shape: tuple[int, int] = (40, 30), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**bits, size=shape).astype(np.uint16)


def _dx(pixels: np.ndarray, **attrs: object) -> Dataset:
    ds = base_dataset(pixels, sop_class=DX_STORAGE, Modality="DX", ViewPosition="PA", **attrs)
    ds.BitsStored, ds.HighBit = 12, 11
    return ds


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless])
def test_compressed_transfer_syntaxes_decode_to_the_stored_values(tmp_path: Path, syntax: str) -> None:
    pixels = _pixels(shape=(64, 64))
    ds = _dx(pixels)
    ds.compress(syntax)
    path = save(ds, tmp_path / "c.dcm")
    assert np.array_equal(read_radiograph(path, RAW).pixels, pixels.astype(np.float32))


def test_rescale_matches_pydicom_modality_lut(tmp_path: Path) -> None:
    pixels = _pixels()
    ds = _dx(pixels, RescaleSlope=0.5, RescaleIntercept=-100)
    path = save(ds, tmp_path / "r.dcm")
    expected = apply_modality_lut(pixels, ds)
    assert np.array_equal(read_radiograph(path).pixels, expected.astype(np.float32))


def test_second_window_is_selectable_and_matches_pydicom(tmp_path: Path) -> None:
    pixels = _pixels()
    ds = _dx(pixels, WindowCenter=[2000, 1000], WindowWidth=[4000, 500])
    path = save(ds, tmp_path / "w.dcm")
    for index in (0, 1):
        ours = read_radiograph(path, ValueChain(voi_lut=True, voi_index=index)).pixels
        assert np.allclose(ours, apply_voi_lut(pixels, ds, index=index), atol=1e-3)
    assert read_radiograph(path).meta.window_centers == (2000.0, 1000.0)


def test_monochrome1_is_inverted_over_the_possible_range(tmp_path: Path) -> None:
    pixels = _pixels()
    path = save(_dx(pixels, PhotometricInterpretation="MONOCHROME1"), tmp_path / "m1.dcm")
    image = read_radiograph(path)
    assert np.array_equal(image.pixels, 4095.0 - pixels.astype(np.float32))
    assert image.meta.photometric == "MONOCHROME1" and image.meta.value_range == (0.0, 4095.0)
    unit = load_radiograph_array(path)
    lo, hi = pixels.min(), pixels.max()
    assert np.allclose(unit, 1.0 - (pixels - lo) / (hi - lo), atol=1e-6)


def test_signed_12_bit_values_are_sign_extended(tmp_path: Path) -> None:
    values = np.array([[-2048, -1, 0, 2047]], dtype=np.int16)
    # 12-bit two's complement with junk in the 4 unused high bits, which readers must ignore
    raw = ((values.astype(np.int32) & 0x0FFF) | 0x5000).astype(np.uint16)
    ds = base_dataset(raw.view(np.int16))
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, 1
    path = save(ds, tmp_path / "s12.dcm")
    assert np.array_equal(read_radiograph(path, RAW).pixels, values.astype(np.float32))


def test_fast_path_windows_like_the_dicom_linear_function(tmp_path: Path) -> None:
    pixels = _pixels()
    ds = _dx(pixels, WindowCenter=1500, WindowWidth=1000, RescaleSlope=1, RescaleIntercept=-24)
    path = save(ds, tmp_path / "f.dcm")
    windowed = apply_voi_lut(apply_modality_lut(pixels, ds), ds)  # pydicom: onto the rescaled [-24, 4071]
    assert np.allclose(load_radiograph_array(path), (windowed + 24) / 4095.0, atol=1e-5)


def test_fast_path_resizes_keeping_aspect_and_pads(tmp_path: Path) -> None:
    pixels = np.full((40, 20), 3000, dtype=np.uint16)
    pixels[0, 0] = 0
    path = save(_dx(pixels), tmp_path / "tall.dcm")
    out = load_radiograph_array(path, size=64)
    assert out.shape == (64, 64) and out.dtype == np.float32
    assert np.all(out[:, :14] == 0) and np.all(out[:, -14:] == 0), "padding left and right"
    assert out[32, 32] == pytest.approx(1.0)


@pytest.mark.parametrize("bits", [8, 16])
def test_png_radiographs(tmp_path: Path, bits: int) -> None:
    dtype = np.uint8 if bits == 8 else np.uint16
    pixels = np.random.default_rng(1).integers(0, 2**bits, size=(20, 30)).astype(dtype)
    path = tmp_path / "x.png"
    Image.fromarray(pixels).save(path)
    image = read_radiograph(path)
    assert np.array_equal(image.pixels, pixels.astype(np.float32)) and image.meta.bits_stored == bits
    assert np.allclose(load_radiograph_array(path), pixels / (2**bits - 1), atol=1e-6)


def test_identifiers_are_kept_apart_and_pseudonymised(tmp_path: Path) -> None:
    from medvlp.io import Pseudonymizer, with_pseudonyms

    image = read_radiograph(save(_dx(_pixels()), tmp_path / "id.dcm"))
    assert image.ids.patient_id == "MRN-0042"
    assert "Doe" not in repr(image.meta) and "MRN" not in repr(image.meta)
    hidden = with_pseudonyms(image, Pseudonymizer(b"k" * 32))
    assert hidden.ids.patient_id.startswith("patient-") and "MRN" not in repr(hidden.ids)


def test_deflated_and_implicit_little_endian_files(tmp_path: Path) -> None:
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian

    pixels = _pixels()
    for syntax in (DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian):
        ds = _dx(pixels)
        ds.file_meta.TransferSyntaxUID = syntax
        path = save(ds, tmp_path / f"{syntax}.dcm")
        assert np.array_equal(read_radiograph(path, RAW).pixels, pixels.astype(np.float32)), syntax
        unit = load_radiograph_array(path)
        assert unit.max() == 1.0 and unit.min() == 0.0
