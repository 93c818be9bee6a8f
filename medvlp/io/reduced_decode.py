"""Reduced-resolution decoding for model-ready radiographs (JPEG 2000 ``reduce``, JPEG DCT scaling).

A model-ready radiograph is small (e.g. 224 px), so a compressed file need not be decoded at full
resolution when the codec can stop early:

* JPEG 2000: the wavelet's low-pass band at level ``r`` is a ``2**r``-times smaller image. OpenJPEG
  decodes it directly (Pillow's ``Jpeg2KImageFile.reduce``; the installed pylibjpeg-openjpeg 2.6 has no
  ``reduce`` argument). ``r`` is the largest level whose image still has a longest side >= the target
  size and that the codestream holds (COD decomposition levels), so nothing is ever upsampled.
* JPEG baseline (8-bit DCT): libjpeg-turbo scales in the DCT domain (Pillow ``draft``: 1/2, 1/4, 1/8).

Anything else (lossless JPEG, JPEG-LS, RLE, 12-bit JPEG, colour, sign/precision mismatches between the
codestream and the DICOM header, damaged streams) returns ``None`` and the caller decodes at full
resolution with pydicom, which then raises the typed error for bad files.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, Jpeg2KImagePlugin
from pydicom.dataset import Dataset
from pydicom.encaps import get_frame
from pydicom.uid import JPEG2000, JPEG2000Lossless, JPEGBaseline8Bit

from medvlp.io.dicom_file import transfer_syntax

J2K_SYNTAXES = frozenset({JPEG2000, JPEG2000Lossless})
JPEG_DCT_SYNTAXES = frozenset({JPEGBaseline8Bit})
REDUCIBLE_SYNTAXES = J2K_SYNTAXES | JPEG_DCT_SYNTAXES


@dataclass(frozen=True)
class ReducedFrame:
    """Stored values ``[h, w]`` of frame 0 holding every ``step``-th full-resolution sample.

    ``centred``: samples sit at the centres of ``step``-pixel blocks (DCT scaling) rather than on
    full-resolution pixel ``step * i`` (JPEG 2000 low-pass band); see :mod:`medvlp.io.reduced_resize`.
    """

    pixels: np.ndarray
    step: int
    centred: bool


@dataclass(frozen=True)
class J2KInfo:
    """What the main header of a JPEG 2000 codestream says about component 0."""

    rows: int
    cols: int
    components: int
    precision: int
    signed: bool
    levels: int  # wavelet decomposition levels (COD, overridden by a COC for component 0)


def parse_j2k_header(stream: bytes) -> J2KInfo | None:
    """Read SIZ and COD/COC of a raw J2K codestream (ISO 15444-1 A.5.1, A.6.1); None if unparseable."""
    if stream[:4] != b"\xff\x4f\xff\x51":  # SOC followed by SIZ
        return None
    try:
        lsiz = struct.unpack(">H", stream[4:6])[0]
        xsiz, ysiz, xo, yo = struct.unpack(">4I", stream[8:24])
        csiz = struct.unpack(">H", stream[40:42])[0]
        ssiz = stream[42]
        pos, levels, coc_levels = 4 + lsiz, None, None
        while pos + 4 <= len(stream):
            marker, length = struct.unpack(">HH", stream[pos : pos + 4])
            if marker == 0xFF90:  # SOT: end of the main header
                break
            if marker == 0xFF52:  # COD: Scod(1) SGcod(4) then SPcod: levels first
                levels = stream[pos + 9]
            elif marker == 0xFF53:  # COC: Ccoc is 1 byte (Csiz < 257) or 2, then Scoc(1), levels
                wide = csiz >= 257
                comp = struct.unpack(">H", stream[pos + 4 : pos + 6])[0] if wide else stream[pos + 4]
                if comp == 0:
                    coc_levels = stream[pos + (7 if wide else 6)]
            pos += 2 + length
    except (struct.error, IndexError):
        return None
    levels = coc_levels if coc_levels is not None else levels
    if levels is None:
        return None
    return J2KInfo(ysiz - yo, xsiz - xo, csiz, (ssiz & 0x7F) + 1, bool(ssiz & 0x80), int(levels))


def choose_reduce(rows: int, cols: int, levels: int, size: int) -> int:
    """Largest ``r <= levels`` with ``ceil(max(rows, cols) / 2**r) >= size`` (0 when none is smaller)."""
    longest, r = max(rows, cols), 0
    while r < levels and math.ceil(longest / 2 ** (r + 1)) >= size:
        r += 1
    return r


class _CeilReducedJ2K(Jpeg2KImagePlugin.Jpeg2KImageFile):
    """Pillow's J2K file whose reduced size is ``ceil(size / 2**r)`` as OpenJPEG decodes it.

    Pillow 13 rounds half up instead (``(w + 2**(r-1)) // 2**r``), which for sizes like 1841 / 4 asks
    for one column fewer than OpenJPEG delivers and fails with "broken data stream".
    """

    def load(self) -> Image.core.PixelAccess | None:
        if self.tile and self._reduce:
            power = 1 << self._reduce
            self._size = (-(-self.size[0] // power), -(-self.size[1] // power))
            name, _, offset, args = self.tile[0]  # a plain tuple before Pillow 11, a NamedTuple since
            args = (args[0], self._reduce, self.layers, args[3], args[4])  # type: ignore[index]
            tile_type = getattr(ImageFile, "_Tile", None)
            tile = (name, (0, 0, *self.size), offset, args)
            self.tile = [tile_type(*tile) if tile_type else tile]  # type: ignore[list-item]
        return ImageFile.ImageFile.load(self)


def _first_frame(ds: Dataset) -> bytes | None:
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
        return get_frame(ds.PixelData, 0, number_of_frames=frames)
    except (ValueError, KeyError, AttributeError, TypeError, IndexError, struct.error):
        return None


def decode_j2k_level(stream: bytes, info: J2KInfo, r: int) -> np.ndarray:
    """Component 0 of a J2K codestream at resolution level ``r`` as stored values, int32 ``[h, w]``.

    Raises ``OSError`` (Pillow) on a damaged stream; ``r = 0`` is the full-resolution image.
    """
    image = _CeilReducedJ2K(io.BytesIO(stream))
    image.reduce = r  # type: ignore[assignment,method-assign]
    image.load()
    if image.mode not in ("L", "I;16"):
        raise OSError(f"unexpected Pillow mode {image.mode} for a {info.precision}-bit component")
    # Pillow left-aligns the samples (x << (8|16 - precision)) and offsets signed ones by 2**(p-1)
    out = np.asarray(image).astype(np.int32) >> ((8 if image.mode == "L" else 16) - info.precision)
    if info.signed:
        out -= 1 << (info.precision - 1)
    return out


def _j2k_reduced(ds: Dataset, stream: bytes, size: int) -> ReducedFrame | None:
    """Stored values of frame 0 at ``2**-r`` scale ``[ceil(H/2^r), ceil(W/2^r)]``, or None."""
    info = parse_j2k_header(stream)
    if info is None or info.components != 1 or info.precision > 16:
        return None
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    bits_stored = int(ds.get("BitsStored") or ds.BitsAllocated)
    if (info.rows, info.cols) != (int(ds.Rows), int(ds.Columns)) or info.signed != signed:
        return None  # header/codestream disagreement: pydicom's full decode knows the corrections
    if info.precision > bits_stored:
        return None
    r = choose_reduce(info.rows, info.cols, info.levels, size)
    if r == 0:
        return None  # nothing to gain: the regular decoder keeps results identical to full decode
    out = decode_j2k_level(stream, info, r)
    expected = (math.ceil(info.rows / 2**r), math.ceil(info.cols / 2**r))
    return ReducedFrame(out, 2**r, centred=False) if out.shape == expected else None


def _jpeg_scaled(ds: Dataset, stream: bytes, size: int) -> ReducedFrame | None:
    """8-bit greyscale JPEG decoded at 1/2, 1/4 or 1/8 scale by libjpeg-turbo, or None."""
    if int(ds.BitsAllocated) != 8 or int(ds.get("SamplesPerPixel", 1) or 1) != 1:
        return None
    image = Image.open(io.BytesIO(stream), formats=["JPEG"])
    if image.mode != "L" or image.size != (int(ds.Columns), int(ds.Rows)):
        return None
    rows, cols = int(ds.Rows), int(ds.Columns)
    scale = size / max(rows, cols)
    want = (max(1, math.ceil(cols * scale)), max(1, math.ceil(rows * scale)))
    drafted = image.draft("L", want)  # the largest DCT scale-down whose output is still >= want
    if drafted is None or image.size == (cols, rows):
        return None
    step = round(cols / drafted[1][2])  # box = (0, 0, cols / scale, rows / scale)
    image.load()
    return ReducedFrame(np.asarray(image), step, centred=True)


def decode_reduced(ds: Dataset, size: int) -> ReducedFrame | None:
    """Stored values of frame 0 at a reduced resolution whose longest side is >= ``size``.

    ``ds``: a fully parsed dataset (Pixel Data present, Image Pixel module already checked).
    Returns pixels ``[h, w]`` (integers, BitsStored range, modality/VOI LUT not applied) or None when no reduced
    decode applies or it failed; the caller then decodes at full resolution (and reports bad input).
    """
    uid = transfer_syntax(ds)
    if uid not in REDUCIBLE_SYNTAXES or "PixelData" not in ds:
        return None
    stream = _first_frame(ds)
    if not stream:
        return None
    try:
        if uid in J2K_SYNTAXES:
            return _j2k_reduced(ds, stream, size)
        return _jpeg_scaled(ds, stream, size)
    except (OSError, ValueError, SyntaxError, struct.error, Image.DecompressionBombError):
        return None  # damaged stream: the full decoder reports it with a typed error
    except (AttributeError, TypeError, IndexError):
        return None  # a Pillow whose internals differ from the tested ones: decode at full resolution
