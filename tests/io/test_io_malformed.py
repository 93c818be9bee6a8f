"""A corpus of malformed inputs, made here, each of which must raise its specific typed error."""

from __future__ import annotations

import gzip
import io
import struct
from collections.abc import Callable
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from io_dicom_factory import base_dataset, ct_slice, save, write_ct_series
from PIL import Image
from pydicom.uid import RLELossless, generate_uid

from medvlp.errors import InputError
from medvlp.io import errors as E
from medvlp.io import load_radiograph_array, read_all, read_dicom_series, read_nifti, read_radiograph

PIXELS = (np.arange(64 * 48, dtype=np.uint16).reshape(64, 48) % 4000)


def _good_dicom(tmp: Path) -> bytes:
    return save(base_dataset(PIXELS), tmp / "good.dcm").read_bytes()


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


def _dicom_with(tmp: Path, name: str, edit: Callable[[object], None]) -> Path:
    ds = base_dataset(PIXELS)
    edit(ds)
    return save(ds, tmp / name)


def _nifti_bytes(array: np.ndarray) -> bytes:
    image = nib.Nifti1Image(array, np.eye(4))
    return image.to_bytes()


def _patch(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def _png_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="JPEG")
    return buf.getvalue()


def _corrupt_rle(tmp: Path) -> Path:
    ds = base_dataset(PIXELS)
    ds.compress(RLELossless)
    data = bytearray(ds.PixelData)
    data[-200:] = b"\x7f" * 200  # literal runs that overrun the segment: decoded size is wrong
    ds.PixelData = bytes(data)
    return save(ds, tmp / "corrupt_rle.dcm")


def _series(tmp: Path, name: str, variants: list[dict[str, object]]) -> Path:
    folder = tmp / name
    uid = generate_uid()
    for k, extra in enumerate(variants):
        pixels = np.full(extra.pop("shape", (16, 16)), 100, dtype=np.int16)  # type: ignore[arg-type]
        save(ct_slice(pixels, (0.0, 0.0, 2.0 * k), series_uid=uid, instance=k + 1, **extra), folder / f"{k}.dcm")
    return folder


def build_corpus(tmp: Path) -> list[tuple[str, Callable[[], object], type[InputError]]]:
    """(case name, call that reads the bad input, expected error class)."""
    good = _good_dicom(tmp)
    ugly = np.arange(64, dtype=np.uint8).reshape(8, 8).repeat(8, 0).repeat(8, 1)
    nii = _nifti_bytes(np.ones((4, 4, 3), dtype=np.float32))
    nan = np.ones((4, 4, 3), dtype=np.float32)
    nan[1, 2, 0] = np.nan
    cases: list[tuple[str, Path, Callable[[Path], object], type[InputError]]] = [
        ("empty file", _write(tmp, "empty.dcm", b""), read_radiograph, E.NotDicomError),
        ("random bytes", _write(tmp, "random.dcm", np.random.default_rng(1).bytes(4096)), read_radiograph,
         E.NotDicomError),
        ("preamble without DICM", _write(tmp, "nodicm.dcm", b"\0" * 128 + b"XXXX" + good[132:]), read_radiograph,
         E.NotDicomError),
        ("text file", _write(tmp, "notes.dcm", b"this is a report, not an image\n" * 20), read_radiograph,
         E.NotDicomError),
        ("preamble + DICM only", _write(tmp, "dicm_only.dcm", good[:132]), read_radiograph, E.TruncatedFileError),
        ("cut in file meta", _write(tmp, "cut_meta.dcm", good[:200]), read_radiograph, E.TruncatedFileError),
        ("cut in dataset header", _write(tmp, "cut_header.dcm", good[:500]), read_radiograph, E.TruncatedFileError),
        ("cut before pixel data", _write(tmp, "cut_prepixel.dcm", good[: len(good) - PIXELS.nbytes - 12]),
         read_radiograph, E.TruncatedFileError),
        ("cut in pixel data", _write(tmp, "cut_pixels.dcm", good[: len(good) - PIXELS.nbytes // 2]),
         read_radiograph, E.TruncatedFileError),
        ("last byte missing", _write(tmp, "cut_last.dcm", good[:-1]), load_radiograph_array, E.TruncatedFileError),
        ("no pixel data (SR)", _dicom_with(tmp, "sr.dcm", _make_sr), read_radiograph, E.NoPixelDataError),
        ("BitsAllocated 12", _dicom_with(tmp, "bits12.dcm", lambda d: setattr(d, "BitsAllocated", 12)),
         read_radiograph, E.BadPixelHeaderError),
        ("BitsStored > BitsAllocated", _dicom_with(tmp, "bits_stored.dcm", lambda d: setattr(d, "BitsStored", 20)),
         read_radiograph, E.BadPixelHeaderError),
        ("pixel data too short", _dicom_with(tmp, "short.dcm", lambda d: setattr(d, "PixelData", d.PixelData[:100])),
         read_radiograph, E.TruncatedFileError),
        ("missing Rows", _dicom_with(tmp, "norows.dcm", lambda d: delattr(d, "Rows")), read_radiograph,
         E.BadPixelHeaderError),
        ("missing Columns", _dicom_with(tmp, "nocols.dcm", lambda d: delattr(d, "Columns")), load_radiograph_array,
         E.BadPixelHeaderError),
        ("Rows = 0", _dicom_with(tmp, "rows0.dcm", lambda d: setattr(d, "Rows", 0)), read_radiograph,
         E.BadPixelHeaderError),
        ("unknown transfer syntax", _unknown_ts(tmp), read_radiograph,
         E.UnsupportedTransferSyntaxError),
        ("corrupt RLE stream", _corrupt_rle(tmp), read_radiograph, E.PixelDecodeError),
        ("constant image", save(base_dataset(np.full((8, 8), 7, np.uint16)), tmp / "flat.dcm"),
         load_radiograph_array, E.EmptyImageError),
        ("mixed orientations", _series(tmp, "mixed_orient", [{}, {}, {"orientation": (0, 1, 0, 0, 0, -1)}]),
         read_dicom_series, E.InconsistentSeriesError),
        ("mixed dimensions", _series(tmp, "mixed_dims", [{}, {}, {"shape": (12, 16)}]), read_dicom_series,
         E.InconsistentSeriesError),
        ("only a localizer", _series(tmp, "scout_only", [{"ImageType": ["ORIGINAL", "PRIMARY", "LOCALIZER"]}]),
         read_dicom_series, E.NoSeriesFoundError),
        ("NIfTI with NaN", _write(tmp, "nan.nii", _nifti_bytes(nan)), read_nifti, E.BadNiftiError),
        ("NIfTI bad magic", _write(tmp, "badmagic.nii", _patch(nii, 344, b"xxxx")), read_nifti, E.BadNiftiError),
        ("NIfTI negative dim", _write(tmp, "negdim.nii", _patch(nii, 42, struct.pack("<h", -4))), read_nifti,
         E.BadNiftiError),
        ("NIfTI unknown datatype", _write(tmp, "dtype.nii", _patch(nii, 70, struct.pack("<h", 999))), read_nifti,
         E.BadNiftiError),
        ("NIfTI truncated data", _write(tmp, "cut.nii", nii[:-20]), read_nifti, E.BadNiftiError),
        ("zero-length nii.gz", _write(tmp, "zero.nii.gz", b""), read_nifti, E.BadNiftiError),
        ("gzip truncated", _write(tmp, "cut.nii.gz", gzip.compress(nii)[:-30]), read_nifti, E.BadNiftiError),
        ("gzip of garbage", _write(tmp, "garbage.nii.gz", gzip.compress(b"garbage" * 100)), read_nifti,
         E.BadNiftiError),
        ("PNG truncated", _write(tmp, "cut.png", _png_bytes(ugly)[:-40]), read_radiograph, E.BadRasterError),
        ("PNG random bytes", _write(tmp, "random.png", np.random.default_rng(2).bytes(500)), read_radiograph,
         E.BadRasterError),
        ("PNG empty", _write(tmp, "empty.png", b""), load_radiograph_array, E.BadRasterError),
        ("JPEG truncated", _write(tmp, "cut.jpg", _jpeg_bytes(ugly)[:200]), read_radiograph, E.BadRasterError),
    ]
    return [(name, (lambda p=path, f=fn: f(p)), err) for name, path, fn, err in cases]


def _make_sr(ds: object) -> None:
    for name in ("PixelData", "Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit"):
        delattr(ds, name)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # Basic Text SR
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID


def _unknown_ts(tmp: Path) -> Path:
    ds = base_dataset(PIXELS)
    ds.file_meta.TransferSyntaxUID = "1.2.3.4.5.6.7"  # body written explicit VR LE, so the header parses
    path = tmp / "unknown_ts.dcm"
    ds.save_as(path, implicit_vr=False, little_endian=True, enforce_file_format=True)
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Callable[[], object], type[InputError]]]:
    return build_corpus(tmp_path_factory.mktemp("malformed"))


def test_corpus_is_large_enough(corpus: list[tuple[str, Callable[[], object], type[InputError]]]) -> None:
    assert len(corpus) >= 25


def test_each_malformed_input_raises_its_specific_error(corpus) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for name, call, expected in corpus:
        try:
            value = call()
        except InputError as exc:
            if type(exc) is not expected:
                wrong.append(f"{name}: {type(exc).__name__} ({exc}) instead of {expected.__name__}")
            elif not exc.path or not exc.reason:
                wrong.append(f"{name}: error does not name file and reason")
            continue
        wrong.append(f"{name}: no error, returned {type(value).__name__}")
    assert not wrong, "\n".join(wrong)


def test_batch_helper_records_each_failure_and_goes_on(tmp_path: Path) -> None:
    good = save(base_dataset(PIXELS), tmp_path / "good.dcm")
    (tmp_path / "empty.dcm").write_bytes(b"")
    truncated = _write(tmp_path, "cut.dcm", good.read_bytes()[:-10])
    results = read_all([good, tmp_path / "empty.dcm", truncated, good], load_radiograph_array)
    assert [r.code for r in results] == ["ok", "not_dicom", "truncated_file", "ok"]
    assert results[0].value is not None and results[0].value.shape == PIXELS.shape
    assert results[1].value is None and "empty" in results[1].reason


def test_series_folder_with_bad_slice_records_it(tmp_path: Path) -> None:
    from medvlp.io import read_dicom_volumes

    write_ct_series(tmp_path / "s", np.zeros((4, 8, 8), dtype=np.int16))
    (tmp_path / "s" / "junk.txt").write_text("not dicom")
    result = read_dicom_volumes(tmp_path / "s")
    assert len(result.volumes) == 1 and result.volumes[0].shape == (8, 8, 4)
    assert [s.code for s in result.skipped] == ["not_dicom"]
