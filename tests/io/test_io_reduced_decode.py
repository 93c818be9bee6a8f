"""Reduced-resolution decode (J2K ``reduce``, JPEG DCT scaling) against full decode + the same resize.

Stated tolerance (float32 [0, 1] outputs, full decode + antialiased resize as the reference):
* windowed radiographs (synthetic and real WG04/pydicom J2K, 8-bit JPEG): mean |diff| <= 0.004,
  max <= 0.05 at 224 px; at 64-128 px mean <= 0.006, max <= 0.1 (sharp collimator edges are the worst
  pixels);
* a narrow CT window (real CT2, W=80 HU-ish) amplifies the filter difference: mean <= 0.04;
* min-max normalised files (no window): the extremes come from the reduced image, which is smoother,
  so the whole image can shift by a few per cent: mean <= 0.035.
``reduced_decode=False`` is exact.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from io_dicom_factory import DX_STORAGE, base_dataset, save
from PIL import Image
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000, JPEG2000Lossless, JPEGBaseline8Bit, RLELossless

from medvlp.errors import InputError
from medvlp.io import load_radiograph_array, read_radiograph
from medvlp.io.dicom_file import decode_pixels
from medvlp.io.fast2d import _affine_after_resize, _resize_pad, dicom_unit_array
from medvlp.io.reduced_decode import (
    _first_frame,
    choose_reduce,
    decode_j2k_level,
    decode_reduced,
    parse_j2k_header,
)


def _phantom(rows: int = 600, cols: int = 500) -> np.ndarray:
    """A smooth chest-like phantom in [0, 1] ``[rows, cols]`` with one sharp edge (a collimator)."""
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    img = 0.45 + 0.25 * np.sin(yy / 37.0) * np.cos(xx / 53.0)
    img += 0.3 * np.exp(-((yy - rows / 2) ** 2 + (xx - cols / 3) ** 2) / (rows * 8.0))
    img[:, : cols // 12] = 0.05
    return np.clip(img, 0, 1)


def _stored(kind: str) -> np.ndarray:
    base = _phantom()
    if kind == "u8":
        return np.round(base * 255).astype(np.uint8)
    if kind == "u12":
        return np.round(base * 4095).astype(np.uint16)
    return np.round(base * 3000 - 1024).astype(np.int16)  # s16: CT-like signed values


def _j2k_file(tmp: Path, kind: str, lossy: bool = False, **attrs: object) -> Path:
    pixels = _stored(kind)
    ds = base_dataset(pixels, DX_STORAGE, Modality="DX", **attrs)
    if kind == "u12":
        ds.BitsStored, ds.HighBit = 12, 11
    extra = {"j2k_cr": [15]} if lossy else {}
    ds.compress(JPEG2000 if lossy else JPEG2000Lossless, encoding_plugin="pylibjpeg", **extra)
    return save(ds, tmp / f"{kind}_{'lossy' if lossy else 'lossless'}_{len(attrs)}.dcm")


def _jpeg_file(tmp: Path, name: str, **attrs: object) -> Path:
    pixels = _stored("u8")
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="JPEG", quality=95)
    ds = base_dataset(pixels, DX_STORAGE, Modality="DX", **attrs)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([buf.getvalue()])
    ds["PixelData"].VR = "OB"
    ds.PhotometricInterpretation = attrs.get("PhotometricInterpretation", "MONOCHROME2")
    return save(ds, tmp / name)


def _diff(path: Path, size: int) -> np.ndarray:
    ref = _resize_pad(dicom_unit_array(path), size)
    out = load_radiograph_array(path, size)
    assert out.shape == ref.shape == (size, size)
    return np.abs(out - ref)


def test_choose_reduce_never_goes_below_target() -> None:
    assert choose_reduce(2140, 1760, 5, 224) == 3  # 268 px >= 224, 134 would be < 224
    assert choose_reduce(1760, 1760, 5, 224) == 2  # 440; 220 < 224
    assert choose_reduce(500, 400, 5, 600) == 0
    assert choose_reduce(4096, 4096, 2, 64) == 2  # capped by the decomposition levels
    for rows, cols, size in ((1955, 1841, 224), (1000, 3000, 64), (513, 100, 256)):
        r = choose_reduce(rows, cols, 8, size)
        assert -(-max(rows, cols) // 2**r) >= size


@pytest.mark.parametrize("kind", ["u8", "u12", "s16"])
def test_j2k_header_and_levels_map_to_stored_values(tmp_path: Path, kind: str) -> None:
    path = _j2k_file(tmp_path, kind)
    ds = pydicom.dcmread(path)
    stream = _first_frame(ds)
    assert stream is not None
    info = parse_j2k_header(stream)
    assert info is not None and (info.rows, info.cols) == (600, 500)
    assert info.signed == (kind == "s16") and info.precision == {"u8": 8, "u12": 12, "s16": 16}[kind]
    full = decode_pixels(ds, path)
    assert np.array_equal(decode_j2k_level(stream, info, 0), full)  # the value mapping is exact
    for r in (1, 2):  # the low-pass band is a local mean: a wrong shift/offset would be off by 2**k
        low = decode_j2k_level(stream, info, r)
        assert low.shape == (-(-600 // 2**r), -(-500 // 2**r))
        inner = (slice(4, -4), slice(8, -4))
        err = np.abs(low - full[:: 2**r, :: 2**r])[inner]
        assert np.median(err) < 0.01 * (full.max() - full.min())


@pytest.mark.parametrize("kind,lossy", [("u8", False), ("u12", False), ("s16", False), ("u12", True)])
@pytest.mark.parametrize("size", [64, 128])
def test_j2k_reduced_matches_full_decode(tmp_path: Path, kind: str, lossy: bool, size: int) -> None:
    window = {"u8": (128, 256), "u12": (2048, 4096), "s16": (476, 3000)}[kind]
    path = _j2k_file(tmp_path, kind, lossy, WindowCenter=window[0], WindowWidth=window[1])
    reduced = decode_reduced(pydicom.dcmread(path), size)
    assert reduced is not None and reduced.step >= 2 and max(reduced.pixels.shape) >= size
    diff = _diff(path, size)
    assert diff.mean() <= 0.006 and diff.max() <= 0.1


def test_value_chain_on_reduced_decode(tmp_path: Path) -> None:
    """Rescale + window, MONOCHROME1 inversion and a modality LUT sequence all apply to reduced pixels."""
    common = {"RescaleSlope": 2, "RescaleIntercept": -100, "WindowCenter": 3000, "WindowWidth": 6000}
    mono2 = _j2k_file(tmp_path / "a", "u12", **common)
    mono1 = _j2k_file(tmp_path / "b", "u12", PhotometricInterpretation="MONOCHROME1", **common)
    diff = _diff(mono2, 64)
    assert diff.mean() <= 0.006 and diff.max() <= 0.1
    out1, out2 = load_radiograph_array(mono1, 64), load_radiograph_array(mono2, 64)
    inside = out2 > 0  # padding stays 0 in both
    assert np.allclose(out1[inside], 1.0 - out2[inside], atol=1e-5)
    lut = pydicom.Dataset()  # a non-linear (square-root) modality LUT: applied after the reduced decode
    lut.LUTDescriptor = [4096, 0, 16]
    lut.add_new("LUTData", "OW", (65535 * np.sqrt(np.arange(4096) / 4095)).astype("<u2").tobytes())
    lut.ModalityLUTType = "US"
    with_lut = _j2k_file(tmp_path / "c", "u12", ModalityLUTSequence=pydicom.Sequence([lut]))
    diff = _diff(with_lut, 64)
    assert diff.mean() <= 0.006 and diff.max() <= 0.1


def test_multiframe_uses_first_frame(tmp_path: Path) -> None:
    frames = np.stack([_stored("u12"), 4095 - _stored("u12")])
    ds = base_dataset(frames, DX_STORAGE, Modality="DX", NumberOfFrames=2, WindowCenter=2048, WindowWidth=4096)
    ds.BitsStored, ds.HighBit = 12, 11
    ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
    path = save(ds, tmp_path / "mf.dcm")
    assert decode_reduced(pydicom.dcmread(path), 64) is not None
    diff = _diff(path, 64)
    assert diff.mean() <= 0.006 and diff.max() <= 0.1


def test_jpeg_baseline_dct_scaling(tmp_path: Path) -> None:
    windowed = _jpeg_file(tmp_path, "w.dcm", WindowCenter=128, WindowWidth=256)
    reduced = decode_reduced(pydicom.dcmread(windowed), 64)
    assert reduced is not None and reduced.step == 8 and reduced.centred  # 600 px / 8 = 75 >= 64
    assert max(reduced.pixels.shape) >= 64
    diff = _diff(windowed, 64)
    assert diff.mean() <= 0.004 and diff.max() <= 0.05
    minmax = _jpeg_file(tmp_path, "m.dcm", PhotometricInterpretation="MONOCHROME1")
    assert _diff(minmax, 64).mean() <= 0.035


def test_no_reduced_decode_where_not_applicable(tmp_path: Path) -> None:
    lossless = _j2k_file(tmp_path, "u12", WindowCenter=2048, WindowWidth=4096)
    assert decode_reduced(pydicom.dcmread(lossless), 1000) is None  # 600 px: nothing to reduce
    ds = base_dataset(_stored("u12"), DX_STORAGE, Modality="DX")
    ds.compress(RLELossless)
    assert decode_reduced(pydicom.dcmread(save(ds, tmp_path / "rle.dcm")), 64) is None
    exact = load_radiograph_array(lossless, 64, reduced_decode=False)  # affine after resize: float rounding
    assert np.allclose(exact, _resize_pad(dicom_unit_array(lossless), 64), atol=1e-5)
    assert read_radiograph(lossless).pixels.shape == (600, 500)  # the full-resolution reader is untouched


def test_damaged_j2k_still_raises_typed_error(tmp_path: Path) -> None:
    path = _j2k_file(tmp_path, "u12", WindowCenter=2048, WindowWidth=4096)
    ds = pydicom.dcmread(path)
    stream = _first_frame(ds)
    assert stream is not None
    cut = stream[: len(stream) * 2 // 3]
    ds.PixelData = encapsulate([cut + b"\0" * (len(cut) % 2)])
    bad = save(ds, tmp_path / "cut.dcm")
    with pytest.raises(InputError):
        load_radiograph_array(bad, 64)


def _real_compressed(root: Path) -> list[Path]:
    wg04 = root / "radiographs" / "wg04_nema_via_dicom-test-files"
    files = sorted(p for p in wg04.glob("J2K*/*") if p.is_file())
    files.append(root / "radiographs" / "pydicom_testdata" / "RG1_J2KI.dcm")
    files += sorted((root / "radiographs" / "torchxrayvision_tests").glob("*.dcm"))
    return [p for p in files if p.exists()]


@pytest.mark.parametrize("size", [64, 224])
def test_real_files_reduced_vs_full(realdata: Path, size: int) -> None:
    files = _real_compressed(realdata)
    assert len(files) >= 6, "expected the WG04 J2K files, RG1_J2KI and the JPEG baseline radiographs"
    for path in files:
        ds = pydicom.dcmread(path)
        assert decode_reduced(ds, size) is not None, path.name
        diff = _diff(path, size)
        if "WindowCenter" not in ds:  # min-max normalised (the JPEG baseline chest films)
            assert diff.mean() <= 0.035, path.name
        elif path.name.startswith("CT"):  # narrow soft-tissue window
            assert diff.mean() <= 0.04, path.name
        else:
            mean_tol, max_tol = (0.004, 0.05) if size >= 224 else (0.006, 0.1)
            assert diff.mean() <= mean_tol and diff.max() <= max_tol, (path.name, diff.mean(), diff.max())


def test_real_j2k_level_zero_is_bit_identical(realdata: Path) -> None:
    for path in _real_compressed(realdata):
        ds = pydicom.dcmread(path)
        stream = _first_frame(ds)
        info = parse_j2k_header(stream) if stream else None
        if info is None:
            continue  # JPEG baseline
        assert np.array_equal(decode_j2k_level(stream, info, 0), decode_pixels(ds, path)), path.name


@pytest.mark.parametrize("window,reordered", [((3051, 6200), True), ((1500, 800), False), (None, True)])
def test_affine_after_resize_is_exact(tmp_path: Path, window: tuple[int, int] | None, reordered: bool) -> None:
    """Full-resolution files: mapping after the resize (no clipping possible) equals mapping before it."""
    attrs = {} if window is None else {"WindowCenter": window[0], "WindowWidth": window[1]}
    ds = base_dataset(_stored("u12"), DX_STORAGE, Modality="DX", PhotometricInterpretation="MONOCHROME1",
                      RescaleSlope=1.5, RescaleIntercept=-20, **attrs)
    ds.BitsStored, ds.HighBit = 12, 11
    path = save(ds, tmp_path / "native.dcm")
    header = pydicom.dcmread(path)
    assert (_affine_after_resize(decode_pixels(header, path), header, path) is not None) == reordered
    out = load_radiograph_array(path, 96)
    ref = _resize_pad(dicom_unit_array(path), 96)
    assert np.allclose(out, ref, atol=1e-5)
    assert out.min() >= 0.0 and out.max() <= 1.0
