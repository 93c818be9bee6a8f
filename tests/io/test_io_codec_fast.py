"""``medvlp.io.codec_fast`` (imagecodecs) must give exactly pydicom's arrays for JPEG-LS, lossless JPEG, RLE.

Reference: ``pydicom.pixels.pixel_array(ds, decoding_plugin=p)`` for every installed plugin ``p``
(GDCM, pylibjpeg, pydicom's own RLE): same dtype, shape and values. Files are written here (pydicom
encodes RLE; imagecodecs encodes JPEG-LS and lossless JPEG) with the awkward cases: BitsStored < 16 with
garbage or sign bits above it, signed data, 8/16-bit, multi-frame, near-lossless JPEG-LS, predictors
other than 1; and every real file of these syntaxes under ``MEDVLP_REALDATA``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from io_dicom_factory import DX_STORAGE, base_dataset, save
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.pixels import get_decoder
from pydicom.uid import JPEGLossless, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless, RLELossless

from medvlp.errors import InputError
from medvlp.io import codec_fast, load_radiograph_array
from medvlp.io.codec_fast import FAST_SYNTAXES, FastDecodeUnavailable, can_decode_fast, decode_fast

imagecodecs = pytest.importorskip("imagecodecs")


def _values(kind: str, frames: int = 1, rows: int = 96, cols: int = 80) -> np.ndarray:
    """Smooth image + noise, ``[frames, rows, cols]``, in the stored range of ``kind``."""
    rng = np.random.default_rng(len(kind) + frames)
    yy, xx = np.mgrid[0:rows, 0:cols]
    base = (np.sin(yy / 9.0) * np.cos(xx / 7.0) + 1) / 2
    stack = np.stack([base + 0.05 * f for f in range(frames)]) + rng.normal(0, 0.02, (frames, rows, cols))
    stack = np.clip(stack, 0, 1)
    lo, hi = {"u8": (0, 255), "u12": (0, 4095), "s12": (-2048, 2047), "s16": (-3000, 20000),
              "u16": (0, 65535)}[kind]
    return np.round(lo + stack * (hi - lo)).astype(np.int64)


def _dataset(stored: np.ndarray, kind: str, bits_stored: int) -> Dataset:
    """DX dataset of ``stored`` (``[F, H, W]`` int64 values) with the Image Pixel module for ``kind``."""
    dtype = {"u8": np.uint8, "u12": np.uint16, "u16": np.uint16, "s12": np.int16, "s16": np.int16}[kind]
    pixels = stored.astype(dtype)
    ds = base_dataset(pixels[0], DX_STORAGE, Modality="DX", WindowCenter=100, WindowWidth=400)
    ds.BitsStored, ds.HighBit = bits_stored, bits_stored - 1
    if len(pixels) > 1:
        ds.NumberOfFrames = len(pixels)
    ds.PixelData = pixels.tobytes()
    return ds


def _rle_file(tmp: Path, kind: str, bits_stored: int, frames: int = 1, junk_high_bits: bool = False) -> Path:
    stored = _values(kind, frames)
    ds = _dataset(stored, kind, bits_stored)
    if junk_high_bits:  # bits above BitsStored set in the stream: pydicom masks them off
        ds.PixelData = (stored.astype(np.uint16) | np.uint16(0xA000)).tobytes()
    ds.compress(RLELossless, encoding_plugin="pydicom")
    return save(ds, tmp / f"rle_{kind}_{bits_stored}_{frames}_{junk_high_bits}.dcm")


def _encapsulated(tmp: Path, name: str, stored: np.ndarray, kind: str, bits_stored: int, uid: str,
                  encode: object) -> Path:
    ds = _dataset(stored, kind, bits_stored)
    unsigned = stored & ((1 << bits_stored) - 1)  # JPEG-LS / lossless JPEG store no sign: P-bit patterns
    sample = np.uint8 if kind == "u8" else np.uint16
    ds.PixelData = encapsulate([encode(frame.astype(sample)) for frame in unsigned])  # type: ignore[operator]
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = uid
    return save(ds, tmp / name)


def _jls_file(tmp: Path, kind: str, bits_stored: int, frames: int = 1, near: int = 0) -> Path:
    uid = JPEGLSNearLossless if near else JPEGLSLossless
    stored = _values(kind, frames)
    return _encapsulated(tmp, f"jls_{kind}_{bits_stored}_{frames}_{near}.dcm", stored, kind, bits_stored, uid,
                         lambda a: imagecodecs.jpegls_encode(a, level=near or None))


def _gdcm_jls_file(tmp: Path, kind: str, bits_stored: int, frames: int) -> Path:
    """JPEG-LS written by GDCM (a second encoder next to CharLS-in-imagecodecs)."""
    gdcm = pytest.importorskip("gdcm")
    src = save(_dataset(_values(kind, frames), kind, bits_stored), tmp / f"native_{kind}_{frames}.dcm")
    reader = gdcm.ImageReader()
    reader.SetFileName(str(src))
    assert reader.Read()
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(gdcm.TransferSyntax.JPEGLSLossless))
    change.SetInput(reader.GetImage())
    assert change.Change()
    writer, out = gdcm.ImageWriter(), tmp / f"gdcm_jls_{kind}_{frames}.dcm"
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    writer.SetFileName(str(out))
    assert writer.Write()
    return out


def _ljpeg_file(tmp: Path, kind: str, bits_stored: int, frames: int = 1, predictor: int = 1) -> Path:
    uid = JPEGLosslessSV1 if predictor == 1 else JPEGLossless
    stored = _values(kind, frames)
    return _encapsulated(tmp, f"ljpeg_{kind}_{bits_stored}_{frames}_{predictor}.dcm", stored, kind, bits_stored,
                         uid, lambda a: imagecodecs.jpeg8_encode(a, lossless=True, predictor=predictor,
                                                                 bitspersample=bits_stored))


def assert_same_as_pydicom(ds: Dataset) -> np.ndarray:
    """decode_fast(ds) equals pydicom's array for every installed plugin; returns it."""
    ours = decode_fast(ds)
    plugins = get_decoder(ds.file_meta.TransferSyntaxUID).available_plugins
    assert plugins, "no pydicom plugin to compare with"
    for plugin in plugins:
        ref = pydicom.pixels.pixel_array(ds, decoding_plugin=plugin)
        assert (ours.dtype, ours.shape) == (ref.dtype, ref.shape), plugin
        assert np.array_equal(ours, ref), f"{plugin}: {int((ours != ref).sum())} pixels differ"
    first = decode_fast(ds, first_frame_only=True)
    assert np.array_equal(first, ours[0] if ours.ndim == 3 else ours)
    return ours


CASES = [
    ("rle u8", lambda t: _rle_file(t, "u8", 8)),
    ("rle u12", lambda t: _rle_file(t, "u12", 12)),
    ("rle u12 junk high bits", lambda t: _rle_file(t, "u12", 12, junk_high_bits=True)),
    ("rle s12 signed", lambda t: _rle_file(t, "s12", 12)),
    ("rle s16 multi-frame", lambda t: _rle_file(t, "s16", 16, frames=3)),
    ("jls u8", lambda t: _jls_file(t, "u8", 8)),
    ("jls u12", lambda t: _jls_file(t, "u12", 12)),
    ("jls s12 signed", lambda t: _jls_file(t, "s12", 12)),
    ("jls s16 multi-frame", lambda t: _jls_file(t, "s16", 16, frames=3)),
    ("jls u16 near-lossless", lambda t: _jls_file(t, "u16", 16, near=3)),
    ("jls s12 by GDCM, multi-frame", lambda t: _gdcm_jls_file(t, "s12", 12, frames=2)),
    ("ljpeg sv1 u12", lambda t: _ljpeg_file(t, "u12", 12)),
    ("ljpeg sv1 u16", lambda t: _ljpeg_file(t, "u16", 16)),
    ("ljpeg sv1 s16", lambda t: _ljpeg_file(t, "s16", 16)),
    ("ljpeg sv1 s12 signed", lambda t: _ljpeg_file(t, "s12", 12)),
    ("ljpeg process 14 predictor 6, multi-frame", lambda t: _ljpeg_file(t, "u12", 12, frames=2, predictor=6)),
]


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_written_files_match_pydicom(tmp_path: Path, name: str, make: object) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    ds = pydicom.dcmread(path)
    assert can_decode_fast(ds)
    assert_same_as_pydicom(ds)


@pytest.mark.parametrize("name,make", [c for c in CASES if c[0] in ("rle u12 junk high bits", "jls s12 signed",
                                                                   "ljpeg process 14 predictor 6, multi-frame")])
def test_model_ready_output_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                      make: object) -> None:
    """load_radiograph_array gives the same floats with and without the fast decoder."""
    path = make(tmp_path)  # type: ignore[operator]
    fast = load_radiograph_array(path, 64), load_radiograph_array(path)
    monkeypatch.setattr(codec_fast, "can_decode_fast", lambda ds: False)  # pydicom on every path
    slow = load_radiograph_array(path, 64), load_radiograph_array(path)
    assert all(np.array_equal(a, b) for a, b in zip(fast, slow))


def _damaged(path: Path, tmp: Path, cut: bool) -> Path:
    ds = pydicom.dcmread(path)
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    middle = len(frame) // 2
    bad = frame[:middle] if cut else frame[:middle] + b"\x7f" * (len(frame) - middle)
    ds.PixelData = encapsulate([bad])
    return save(ds, tmp / f"damaged_{cut}_{path.name}")


@pytest.mark.parametrize("kind", ["rle", "jls", "ljpeg"])
def test_damaged_streams_never_return_an_image_from_imagecodecs(tmp_path: Path, kind: str) -> None:
    """A cut or overwritten frame: decode_fast refuses (pydicom then decides: typed error or its image)."""
    make = {"rle": lambda: _rle_file(tmp_path, "u12", 12), "jls": lambda: _jls_file(tmp_path, "u12", 12),
            "ljpeg": lambda: _ljpeg_file(tmp_path, "u12", 12)}[kind]
    good = make()
    for cut in (True, False):
        bad = pydicom.dcmread(_damaged(good, tmp_path, cut))
        with pytest.raises(FastDecodeUnavailable):
            decode_fast(bad)


def test_jpegls_sign_extends_from_codestream_precision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed JPEG-LS with precision P < 16: sign bit at P - 1, as pydicom does. Neither CharLS-in-imagecodecs
    nor GDCM writes P < 16 for 16-bit samples, so both sides are told P = 12 for the 12-bit patterns."""
    ds = pydicom.dcmread(_jls_file(tmp_path, "s12", 12))
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    assert codec_fast._jpeg_precision(frame) == pydicom.pixels.utils._get_jpg_parameters(frame)["precision"]
    import pydicom.pixels.decoders.base as pydicom_base

    real = pydicom_base._get_jpg_parameters
    monkeypatch.setattr(pydicom_base, "_get_jpg_parameters", lambda src: {**real(src), "precision": 12})
    monkeypatch.setattr(codec_fast, "_jpeg_precision", lambda frame: 12)
    out = assert_same_as_pydicom(ds)
    assert out.min() < 0 and np.array_equal(out, _values("s12")[0])


def _outcome(path: Path) -> np.ndarray | type[Exception]:
    try:
        return load_radiograph_array(path, 64)
    except Exception as exc:  # noqa: BLE001 - the error class is the outcome compared
        return type(exc)


@pytest.mark.parametrize("kind", ["rle", "jls", "ljpeg"])
def test_damaged_streams_behave_as_pydicom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """On damaged frames the model-ready path gives pydicom's outcome: the same typed error or the same
    image (pylibjpeg-libjpeg and GDCM decode some cut streams without complaint; see codec_fast)."""
    good = {"rle": lambda: _rle_file(tmp_path, "u12", 12), "jls": lambda: _jls_file(tmp_path, "u12", 12),
            "ljpeg": lambda: _ljpeg_file(tmp_path, "u12", 12)}[kind]()
    bad = [_damaged(good, tmp_path, cut) for cut in (True, False)]
    fast = [_outcome(p) for p in bad]
    monkeypatch.setattr(codec_fast, "can_decode_fast", lambda ds: False)  # pydicom on every path
    for path, outcome in zip(bad, fast):
        slow = _outcome(path)
        if isinstance(slow, np.ndarray):
            assert isinstance(outcome, np.ndarray) and np.array_equal(outcome, slow), path.name
        else:
            assert outcome is slow and issubclass(slow, InputError), (path.name, outcome, slow)


def test_not_applicable_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Colour, BitsAllocated or Rows disagreeing with the codestream, no imagecodecs: pydicom decodes."""
    path = _jls_file(tmp_path, "u8", 8)
    ds = pydicom.dcmread(path)
    ds.BitsAllocated = 16  # header and codestream sample sizes disagree
    with pytest.raises(FastDecodeUnavailable):
        decode_fast(ds)
    for make in (lambda: _rle_file(tmp_path, "u12", 12), lambda: _jls_file(tmp_path, "u12", 12),
                 lambda: _ljpeg_file(tmp_path, "u12", 12)):
        taller = pydicom.dcmread(make())
        taller.Rows += 4  # header bigger than the codestream: never padded with zeros
        with pytest.raises(FastDecodeUnavailable):
            decode_fast(taller)
    colour = pydicom.dcmread(path)
    colour.SamplesPerPixel = 3
    assert not can_decode_fast(colour)
    expected = load_radiograph_array(path, 64)
    monkeypatch.setattr(codec_fast, "imagecodecs", None)
    assert not can_decode_fast(pydicom.dcmread(path))
    assert np.array_equal(load_radiograph_array(path, 64), expected)


@pytest.mark.realdata
def test_real_files_bit_identical(realdata: Path) -> None:
    """Every real JPEG-LS / lossless JPEG / RLE file (WG04, dcm_qa_ts): identical to every pydicom plugin."""
    checked = []
    for path in sorted(p for p in realdata.rglob("*") if p.is_file() and p.suffix in ("", ".dcm")):
        try:
            ds = pydicom.dcmread(path)
        except pydicom.errors.InvalidDicomError:
            continue  # README, LICENSE...
        if str(getattr(ds.file_meta, "TransferSyntaxUID", "")) in FAST_SYNTAXES:
            assert_same_as_pydicom(ds)
            checked.append(path.name)
    assert len(checked) >= 11, checked  # 6 WG04 + 5 dcm_qa_ts files in the README's data


@pytest.mark.parametrize("kind", ["jls", "ljpeg"])
@pytest.mark.parametrize("fast", [True, False])
def test_cut_or_overwritten_jpeg_frames_are_typed_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         kind: str, fast: bool) -> None:
    """GDCM / pylibjpeg-libjpeg / libjpeg-turbo decode a cut lossless stream without complaint; medvlp
    refuses it (no end-of-image marker) on every path instead of returning a half-invented image."""
    from medvlp.io import read_radiograph
    from medvlp.io.errors import PixelDecodeError

    good = {"jls": lambda: _jls_file(tmp_path, "u12", 12), "ljpeg": lambda: _ljpeg_file(tmp_path, "u12", 12)}[kind]()
    if not fast:
        monkeypatch.setattr(codec_fast, "can_decode_fast", lambda ds: False)  # pydicom on every path
    assert load_radiograph_array(good, 64).shape == (64, 64)  # the intact file still reads
    for cut in (True, False):
        bad = _damaged(good, tmp_path, cut)
        with pytest.raises(PixelDecodeError, match="end-of-image marker") as info:
            load_radiograph_array(bad, 64)
        assert str(bad) in str(info.value)
        with pytest.raises(PixelDecodeError, match="end-of-image marker"):
            read_radiograph(bad)


MULTI_FRAME = [c for c in CASES if "multi-frame" in c[0]]


@pytest.mark.parametrize("name,make", MULTI_FRAME, ids=[c[0] for c in MULTI_FRAME])
def test_every_read_path_decodes_through_imagecodecs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     name: str, make: object) -> None:
    """``decode_pixels`` (radiographs, series, conversion) uses the fast decode, all frames, same integers."""
    from medvlp.io.dicom_file import decode_pixels

    path = make(tmp_path)  # type: ignore[operator]
    ds = pydicom.dcmread(path)
    calls: list[int] = []
    real = codec_fast.decode_fast
    monkeypatch.setattr(codec_fast, "decode_fast", lambda d, **kw: calls.append(1) or real(d, **kw))
    ours = decode_pixels(ds, path)
    assert calls == [1] and ours.ndim == 3
    assert np.array_equal(ours, pydicom.dcmread(path).pixel_array)
