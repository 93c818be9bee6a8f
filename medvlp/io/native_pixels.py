"""Fast path for uncompressed little-endian pixel data: read it straight from the end of the file.

After a header-only scan we already know Rows/Columns/BitsAllocated; for native little-endian files
the Pixel Data element is almost always the last one, so its value is the file's last N bytes. The
element header in front of those bytes is verified (tag, VR, length) before trusting them; anything
unusual (trailing elements, odd sizes, compressed or big-endian data) returns None and the caller falls
back to a full pydicom parse. This halves the parsing work of series loading.
"""

from __future__ import annotations

import os

import numpy as np
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

_PIXEL_TAG = b"\xe0\x7f\x10\x00"  # (7FE0,0010) little endian
_NATIVE = {ExplicitVRLittleEndian: True, ImplicitVRLittleEndian: False}


def _dtype(bits_allocated: int, signed: bool) -> np.dtype | None:
    if bits_allocated == 8:
        return np.dtype(np.int8 if signed else np.uint8)
    if bits_allocated == 16:
        return np.dtype("<i2" if signed else "<u2")
    return None


def fix_bits_stored(arr: np.ndarray, bits_allocated: int, bits_stored: int, signed: bool) -> np.ndarray:
    """Mask unused high bits (unsigned) or sign-extend from the BitsStored sign bit (signed), in place."""
    if bits_stored >= bits_allocated:
        return arr
    if signed:
        shift = bits_allocated - bits_stored
        np.left_shift(arr, shift, out=arr)
        np.right_shift(arr, shift, out=arr)  # arithmetic shift on signed types extends the sign
    else:
        np.bitwise_and(arr, (1 << bits_stored) - 1, out=arr)
    return arr


def read_native_tail(
    path: str | os.PathLike[str], transfer_syntax: str, rows: int, cols: int, bits_allocated: int,
    bits_stored: int, signed: bool, samples: int = 1, frames: int = 1,
) -> np.ndarray | None:
    """Stored values ``[rows, cols]`` (or ``[frames, rows, cols]``), or None when the fast path does not apply."""
    explicit = _NATIVE.get(transfer_syntax)  # type: ignore[call-overload]
    dtype = _dtype(bits_allocated, signed)
    if explicit is None or dtype is None or samples != 1:
        return None
    nbytes = rows * cols * frames * dtype.itemsize
    value_length = nbytes + (nbytes % 2)  # odd values are padded to even length
    head_length = 12 if explicit else 8
    size = os.path.getsize(path)
    if size < value_length + head_length:
        return None
    with open(path, "rb") as fh:
        fh.seek(size - value_length - head_length)
        head = fh.read(head_length)
        if head[:4] != _PIXEL_TAG:
            return None
        if explicit:
            ok = head[4:6] in (b"OW", b"OB") and head[6:8] == b"\0\0" and int.from_bytes(head[8:12], "little") == value_length
        else:
            ok = int.from_bytes(head[4:8], "little") == value_length
        if not ok:
            return None
        arr = np.fromfile(fh, dtype=dtype, count=rows * cols * frames)
    if arr.size != rows * cols * frames:
        return None
    arr = arr.reshape((frames, rows, cols) if frames > 1 else (rows, cols))
    return fix_bits_stored(arr, bits_allocated, bits_stored, signed)
