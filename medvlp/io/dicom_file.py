"""Opening DICOM files and decoding their pixels, with every failure mapped to a typed error.

pydicom raises a zoo of exceptions on bad files (``InvalidDicomError``, ``EOFError``, ``struct.error``,
``ValueError``, ``NotImplementedError``...); this module is the one place that translates them, so
callers see :mod:`medvlp.io.errors` only.
"""

from __future__ import annotations

import os
import re
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pydicom.encaps
import pydicom.pixels
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.pixels import get_decoder

from medvlp.io.errors import (
    BadPixelHeaderError,
    NoPixelDataError,
    NotDicomError,
    PixelDecodeError,
    TruncatedFileError,
    UnsupportedTransferSyntaxError,
)

PathLike = str | os.PathLike[str]

_VALID_BITS_ALLOCATED = (1, 8, 16, 32, 64)
_DECODE_TROUBLE = re.compile(r"non-conformant|end of the data|insufficient|truncat|fewer|corrupt|missing",
                             re.IGNORECASE)
_STORAGE_ROOT = "1.2.840.10008.5.1.4.1.1."
# storage classes under the root that carry no Pixel Data by design (SR, presentation states,
# waveforms, encapsulated documents, RT structures/plans, raw data, spectroscopy...)
_NON_IMAGE_PREFIXES = tuple(_STORAGE_ROOT + s for s in ("88.", "11.", "9.", "104.", "481.2", "481.3",
                                                        "481.4", "481.5", "481.6", "481.7", "481.8",
                                                        "481.9", "66", "4.2", "90.1"))


def _looks_like_raw_dataset(path: Path) -> bool:
    """ACR-NEMA style files have no preamble; they start with a group-0008 tag (little endian)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    return len(head) == 4 and head[:2] in (b"\x08\x00", b"\x02\x00")


def open_dicom(
    path: PathLike, header_only: bool = False, specific_tags: Sequence[object] | None = None
) -> Dataset:
    """Read a DICOM file; ``header_only`` stops before Pixel Data (fast scanning).

    Raises ``NotDicomError`` (empty, random bytes, preamble without ``DICM``) or ``TruncatedFileError``.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise NotDicomError(path, f"cannot read file: {exc.strerror}") from exc
    if size == 0:
        raise NotDicomError(path, "empty file")
    ds = _parse(path, header_only, specific_tags)
    _check_complete(ds, path, size, header_only or specific_tags is not None)
    return ds


def is_image_storage(sop_class: str) -> bool:
    """True for storage SOP classes whose instances must hold pixel data (CT, MR, CR, DX...)."""
    return sop_class.startswith(_STORAGE_ROOT) and not sop_class.startswith(_NON_IMAGE_PREFIXES)


def _check_complete(ds: Dataset, path: Path, size: int, partial: bool) -> None:
    """pydicom stops silently at end of file; catch files cut inside the header or before the pixels."""
    meta = getattr(ds, "file_meta", None)
    group_length = meta.get("FileMetaInformationGroupLength") if meta is not None else None
    if group_length is not None and (not isinstance(group_length, int) or size < 132 + 12 + group_length):
        raise TruncatedFileError(path, f"file ({size} bytes) ends inside the file meta information")
    if len(ds) == 0:
        raise TruncatedFileError(path, "file ends before the dataset (nothing after the preamble/meta)")
    if partial:
        return
    sop_class = str(ds.get("SOPClassUID", "") or (meta.get("MediaStorageSOPClassUID", "") if meta else ""))
    has_pixels = any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))
    if not has_pixels and is_image_storage(sop_class):
        raise TruncatedFileError(path, f"image object (SOP class {sop_class}) ends before its Pixel Data")


def _parse(path: Path, header_only: bool, specific_tags: Sequence[object] | None) -> Dataset:
    kwargs: dict[str, object] = {"stop_before_pixels": header_only}
    if specific_tags is not None:
        kwargs["specific_tags"] = list(specific_tags)
    try:
        try:
            return pydicom.dcmread(path, **kwargs)  # type: ignore[arg-type]
        except InvalidDicomError as exc:
            if not _looks_like_raw_dataset(path):
                raise NotDicomError(path, f"no DICOM marker ({exc})") from exc
            ds = pydicom.dcmread(path, force=True, **kwargs)  # type: ignore[arg-type]
            if "SOPClassUID" not in ds and "Modality" not in ds:
                raise NotDicomError(path, "no DICM marker and no recognisable dataset") from exc
            return ds
    except (EOFError, struct.error, OverflowError) as exc:
        raise TruncatedFileError(path, f"file ends inside the header ({type(exc).__name__}: {exc})") from exc
    except (ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError, AttributeError) as exc:
        # pydicom's parser reports most truncations/garbage this way (e.g. impossible VR or length)
        raise NotDicomError(path, f"unparseable DICOM ({type(exc).__name__}: {exc})") from exc


def check_pixel_header(ds: Dataset, path: PathLike) -> None:
    """Validate the Image Pixel module before decoding, so impossible values fail with a reason."""
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise NoPixelDataError(path, "dataset has no Pixel Data element")
    for name in ("Rows", "Columns", "BitsAllocated"):
        if ds.get(name) in (None, ""):
            raise BadPixelHeaderError(path, f"missing {name}")
    if int(ds.Rows) <= 0 or int(ds.Columns) <= 0:
        raise BadPixelHeaderError(path, f"image size {ds.Rows}x{ds.Columns} is empty")
    bits_alloc = int(ds.BitsAllocated)
    if bits_alloc not in _VALID_BITS_ALLOCATED:
        raise BadPixelHeaderError(path, f"BitsAllocated={bits_alloc} is not 1 or a multiple of 8")
    bits_stored = int(ds.get("BitsStored", bits_alloc) or bits_alloc)
    if not 0 < bits_stored <= bits_alloc:
        raise BadPixelHeaderError(path, f"BitsStored={bits_stored} with BitsAllocated={bits_alloc}")


def transfer_syntax(ds: Dataset) -> str:
    meta = getattr(ds, "file_meta", None)
    uid = meta.get("TransferSyntaxUID") if meta is not None else None
    return str(uid) if uid else pydicom.uid.ImplicitVRLittleEndian


def _check_decoder(ds: Dataset, path: PathLike) -> None:
    uid = transfer_syntax(ds)
    try:
        decoder = get_decoder(uid)
    except NotImplementedError as exc:
        raise UnsupportedTransferSyntaxError(path, f"no decoder for transfer syntax {uid}") from exc
    if not decoder.is_available:
        raise UnsupportedTransferSyntaxError(path, f"decoder plugins for {uid} are not installed")


def _expected_native_bytes(ds: Dataset) -> int:
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    bits = int(ds.BitsAllocated) * int(ds.Rows) * int(ds.Columns) * frames * samples
    return (bits + 7) // 8


# Lossy decoders differ in IDCT rounding; pinning one makes decoded pixels identical on every machine
# (pylibjpeg wraps libjpeg-turbo/openjpeg, the decoders pydicom's reference values used). For the
# lossless JPEG family every decoder gives the same bits, so the fastest measured one is preferred.
PREFERRED_PLUGIN = "pylibjpeg"
_FASTEST_LOSSLESS = {
    pydicom.uid.JPEGLSLossless: "gdcm",
    pydicom.uid.JPEGLosslessSV1: "gdcm",
    pydicom.uid.JPEGLossless: "gdcm",
}


def _decode_preferred(ds: Dataset, uid: pydicom.uid.UID) -> np.ndarray:
    if uid.is_compressed:
        available = get_decoder(uid).available_plugins
        for plugin in (_FASTEST_LOSSLESS.get(uid), PREFERRED_PLUGIN):
            if plugin in available:
                try:
                    return pydicom.pixels.pixel_array(ds, decoding_plugin=plugin)
                except (ValueError, RuntimeError):
                    break  # the other installed plugins get their turn (warnings still checked)
    return ds.pixel_array


# Lossless JPEG and JPEG-LS decoders (GDCM, pylibjpeg-libjpeg, libjpeg-turbo) return an image for a cut
# stream without any error or warning, half of it invented; DICOM requires every frame to be a whole
# JPEG stream (PS3.5 A.4), so a frame not ending in EOI is refused before decoding.
_EOI_CHECKED = frozenset({pydicom.uid.JPEGLSLossless, pydicom.uid.JPEGLSNearLossless, pydicom.uid.JPEGLossless,
                          pydicom.uid.JPEGLosslessSV1})


def jpeg_frame_complete(frame: bytes) -> bool:
    """SOI at the start and EOI at the end of an encapsulated JPEG frame (trailing 0x00/0xFF padding allowed)."""
    return frame[:2] == b"\xff\xd8" and frame.rstrip(b"\x00\xff").endswith(b"\xff\xd9")


def _check_jpeg_frames(ds: Dataset, path: PathLike, uid: pydicom.uid.UID) -> None:
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    try:
        encoded = list(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=frames))
    except (ValueError, KeyError, TypeError, IndexError, struct.error) as exc:
        raise PixelDecodeError(path, f"cannot split the encapsulated {uid.name} frames ({exc})") from exc
    for index, frame in enumerate(encoded):
        if not jpeg_frame_complete(frame):
            raise PixelDecodeError(path, f"{uid.name} frame {index} does not end with the JPEG end-of-image "
                                         "marker (truncated or corrupt pixel data)")


def _decode_fast_or_none(ds: Dataset, first_frame_only: bool) -> np.ndarray | None:
    """JPEG-LS / lossless JPEG / RLE through imagecodecs (bit-identical to pydicom, 2-3x faster), else None."""
    from medvlp.io import codec_fast  # imported here: codec_fast builds on this module's helpers

    if not codec_fast.can_decode_fast(ds):
        return None
    try:
        return codec_fast.decode_fast(ds, first_frame_only=first_frame_only)
    except codec_fast.FastDecodeUnavailable:
        return None  # pydicom decides: the same pixels, or a typed error


def decode_pixels(ds: Dataset, path: PathLike, first_frame_only: bool = False) -> np.ndarray:
    """Stored values as pydicom decodes them: BitsStored masked, sign-extended, ``[H, W]`` or ``[F, H, W]``.

    Native (uncompressed) pixel data shorter than Rows*Columns*Frames is a ``TruncatedFileError``.
    Greyscale JPEG-LS, lossless JPEG and RLE are decoded by :mod:`medvlp.io.codec_fast` when it applies;
    ``first_frame_only`` lets that decoder stop after frame 0 (``[H, W]``; other decoders return every frame).
    """
    check_pixel_header(ds, path)
    _check_decoder(ds, path)
    uid = pydicom.uid.UID(transfer_syntax(ds))
    if not uid.is_compressed and "PixelData" in ds:
        have, need = len(ds.PixelData), _expected_native_bytes(ds)
        if have < need:
            raise TruncatedFileError(path, f"pixel data has {have} bytes, header needs {need}")
    fast = _decode_fast_or_none(ds, first_frame_only)  # refuses frames without EOI itself
    if fast is not None:
        return fast
    if uid in _EOI_CHECKED and "PixelData" in ds:
        _check_jpeg_frames(ds, path, uid)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            arr = _decode_preferred(ds, uid)
    except (ValueError, RuntimeError, OSError, EOFError, struct.error, AttributeError, TypeError) as exc:
        if uid.is_compressed:
            raise PixelDecodeError(path, f"cannot decode {uid.name} pixel data ({exc})") from exc
        raise TruncatedFileError(path, f"pixel data unreadable ({exc})") from exc
    suspicious = [str(w.message) for w in caught if _DECODE_TROUBLE.search(str(w.message))]
    if suspicious:  # a fallback decoder "succeeded" on a damaged stream: never pass that on as an image
        raise PixelDecodeError(path, f"pixel data decoded only with errors: {suspicious[0]}")
    if arr.size == 0:
        raise BadPixelHeaderError(path, "decoded image is empty")
    return arr
