"""Faster full-resolution decode of lossless JPEG-LS, lossless JPEG and RLE frames with ``imagecodecs``.

Why: these transfer syntaxes have no reduced-resolution decode (prediction / run-length chains need
every pixel), so the decoder is most of a model-ready radiograph's time, and pydicom's plugins (GDCM,
pylibjpeg-libjpeg, pylibjpeg-rle) are not the fastest builds of these codecs. ``imagecodecs`` (the codec
library behind tifffile and napari) wraps CharLS 2 for JPEG-LS, libjpeg-turbo 3 for lossless JPEG and its
own DICOM RLE decoder. Measured single-thread on the WG04 RG3 radiograph (1760 x 1760, 10-bit): JPEG-LS
31 ms vs GDCM 50-68 ms, lossless JPEG 17 ms vs GDCM 45-67 ms, RLE 2.6 ms vs pylibjpeg-rle 4.9 ms
(``benchmarks/perf/codecs.py``). All three are lossless or, for JPEG-LS near-lossless, fully specified
by the standard, so any conforming decoder yields the same integers; tests check bit-identity against
pydicom's decode on every real file and on files they write.

After decoding, the integers are made to match pydicom 3's ``DecodeRunner`` exactly: bytes viewed as
the dataset's dtype (BitsAllocated, PixelRepresentation); RLE and JPEG: unused high bits masked
(unsigned) or sign-extended from BitsStored (signed); JPEG-LS: signed data sign-extended from the
codestream precision (JPEG-LS stores no sign), unsigned data left as decoded. Anything outside that
(colour, a codestream size or sample size that disagrees with the header, a frame without an end
marker, a decoder error, imagecodecs not installed) raises :class:`FastDecodeUnavailable`; the caller
then decodes with pydicom, which reports bad input with a typed :mod:`medvlp.io.errors` error. This
module never returns a partial or zero-filled image.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import numpy as np
from pydicom.dataset import Dataset
from pydicom.encaps import generate_frames, get_frame
from pydicom.uid import JPEGLossless, JPEGLosslessSV1, JPEGLSLossless, JPEGLSNearLossless, RLELossless

from medvlp.io.dicom_file import jpeg_frame_complete, transfer_syntax
from medvlp.io.native_pixels import fix_bits_stored

try:
    import imagecodecs
except ImportError:  # optional at runtime: pydicom's plugins decode everything without it
    imagecodecs = None  # type: ignore[assignment]

JPEGLS_SYNTAXES = frozenset({JPEGLSLossless, JPEGLSNearLossless})
LOSSLESS_JPEG_SYNTAXES = frozenset({JPEGLossless, JPEGLosslessSV1})
FAST_SYNTAXES = JPEGLS_SYNTAXES | LOSSLESS_JPEG_SYNTAXES | frozenset({RLELossless})
_SOF_MARKERS = frozenset({0xC3, 0xC7, 0xCB, 0xCF, 0xF7})  # lossless JPEG SOF3/7/11/15, JPEG-LS SOF55


class FastDecodeUnavailable(Exception):
    """The fast decoder does not apply to, or failed on, this dataset: decode it with pydicom instead.

    Internal signal between this module and its caller; it never reaches users (pydicom's decode then
    either succeeds or raises a typed :mod:`medvlp.io.errors` error naming the file).
    """


def can_decode_fast(ds: Dataset) -> bool:
    """True when imagecodecs is installed and the dataset is a greyscale frame of a syntax handled here."""
    return (imagecodecs is not None and transfer_syntax(ds) in FAST_SYNTAXES
            and int(ds.get("SamplesPerPixel", 1) or 1) == 1 and "PixelData" in ds)


def _pixel_dtype(ds: Dataset) -> np.dtype:
    bits, signed = int(ds.BitsAllocated), int(ds.get("PixelRepresentation", 0) or 0) == 1
    if bits not in (8, 16):  # 32-bit RLE is legal but untested here (pydicom cannot encode it)
        raise FastDecodeUnavailable(f"BitsAllocated {bits} is left to pydicom")
    return np.dtype(f"<{'i' if signed else 'u'}{bits // 8}")


def _jpeg_precision(frame: bytes) -> int:
    """Sample precision P from the frame header (SOF3..15 or JPEG-LS SOF55), as pydicom reads it."""
    pos = 2
    while pos + 5 <= len(frame):
        if frame[pos] != 0xFF:
            break
        marker = frame[pos + 1]
        if marker in _SOF_MARKERS:
            return frame[pos + 4]
        pos += 2 + struct.unpack(">H", frame[pos + 2 : pos + 4])[0]
    raise FastDecodeUnavailable("no lossless SOF marker before the scan")


def _check_jpeg_ends(frame: bytes) -> None:
    """libjpeg-turbo fills a truncated scan without an error: insist on SOI ... EOI (0x00 / 0xFF padding allowed)."""
    if not jpeg_frame_complete(frame):
        raise FastDecodeUnavailable("JPEG frame without SOI/EOI (truncated?)")


def _frame_decoder(uid: str, dtype: np.dtype, pixels: int) -> Callable[[bytes], np.ndarray]:
    """The imagecodecs call for one encoded frame, returning its samples as an ndarray."""
    assert imagecodecs is not None
    if uid in JPEGLS_SYNTAXES:
        return imagecodecs.jpegls_decode
    if uid in LOSSLESS_JPEG_SYNTAXES:
        return imagecodecs.jpeg8_decode  # libjpeg-turbo 3 lossless: faster than ljpeg_decode (liblj92)
    raw = dtype.newbyteorder("<").str.replace("i", "u")  # one RLE segment per byte, little-endian out

    def rle(frame: bytes) -> np.ndarray:
        out = bytearray(pixels * dtype.itemsize)  # writeable: no copy; a shorter result stays short
        return np.frombuffer(imagecodecs.dicomrle_decode(frame, raw, out=out), raw)

    return rle


def _decode_frame(frame: bytes, ds: Dataset, uid: str, dtype: np.dtype) -> np.ndarray:
    """One frame -> ``[rows, cols]`` of ``dtype`` with pydicom's bit and sign handling."""
    rows, cols = int(ds.Rows), int(ds.Columns)
    if uid != RLELossless:
        _check_jpeg_ends(frame)
    try:
        decoded = np.asarray(_frame_decoder(uid, dtype, rows * cols)(frame))
    except Exception as exc:  # imagecodecs raises per-codec error classes (JpeglsError, Jpeg8Error, ...)
        raise FastDecodeUnavailable(f"imagecodecs failed: {type(exc).__name__}: {exc}") from exc
    if decoded.dtype.itemsize != dtype.itemsize or decoded.size != rows * cols:
        raise FastDecodeUnavailable(f"decoded {decoded.dtype} x {decoded.size}, header wants {dtype} x {rows * cols}")
    if decoded.ndim != 1 and decoded.shape != (rows, cols):
        raise FastDecodeUnavailable(f"decoded shape {decoded.shape} != header {(rows, cols)}")
    out = decoded.reshape(rows, cols).view(dtype)  # the decoders return fresh writeable buffers
    if not out.flags.writeable:
        out = out.copy()
    if uid in JPEGLS_SYNTAXES:
        if dtype.kind == "i":  # JPEG-LS keeps no sign: pydicom sign-extends from the codestream precision
            shift = 8 * dtype.itemsize - _jpeg_precision(frame)
            if shift > 0:
                np.left_shift(out, shift, out=out)
                np.right_shift(out, shift, out=out)
        return out
    bits_stored = int(ds.get("BitsStored") or ds.BitsAllocated)
    return fix_bits_stored(out, int(ds.BitsAllocated), bits_stored, dtype.kind == "i")


def decode_fast(ds: Dataset, first_frame_only: bool = False) -> np.ndarray:
    """Stored values as pydicom 3 decodes them: ``[H, W]``, or ``[F, H, W]`` for several frames.

    ``first_frame_only`` decodes just frame 0 (``[H, W]``), all a model-ready radiograph uses.
    Raises :class:`FastDecodeUnavailable` whenever the result could differ from pydicom's.
    """
    if not can_decode_fast(ds):
        raise FastDecodeUnavailable("not a greyscale JPEG-LS / lossless JPEG / RLE dataset, or no imagecodecs")
    uid, dtype = transfer_syntax(ds), _pixel_dtype(ds)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    try:
        if first_frame_only or frames == 1:
            encoded = [get_frame(ds.PixelData, 0, number_of_frames=frames)]
        else:
            encoded = list(generate_frames(ds.PixelData, number_of_frames=frames))
    except (ValueError, KeyError, TypeError, IndexError, StopIteration, struct.error) as exc:
        raise FastDecodeUnavailable(f"cannot split the encapsulated frames: {exc}") from exc
    if not first_frame_only and len(encoded) != frames:
        raise FastDecodeUnavailable(f"{len(encoded)} encoded frames, NumberOfFrames {frames}")
    decoded = [_decode_frame(frame, ds, uid, dtype) for frame in encoded]
    return decoded[0] if len(decoded) == 1 else np.stack(decoded)
