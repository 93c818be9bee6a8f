"""Model-ready radiographs: decode once, window with one multiply-add, resize with aspect + pad.

Where the time goes in the usual path (MONAI ``LoadImage`` + ``ScaleIntensity``): a full pydicom parse
that copies the pixel bytes, float64 intermediates, extra passes for min/max, metadata dictionaries.
Here native pixels are read straight from the file after a header-only parse, and rescale, window,
[0, 1] scaling and MONOCHROME1 inversion fold into one float32 multiply-add plus a clip. (A lookup
table gather was measured slower than this arithmetic on 2-Mpixel images.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from pydicom.dataset import Dataset
from pydicom.filereader import read_file_meta_info
from pydicom.uid import UID

from medvlp.io.dicom_file import PathLike, check_pixel_header, decode_pixels, open_dicom, transfer_syntax
from medvlp.io.errors import EmptyImageError
from medvlp.io.native_pixels import read_native_tail
from medvlp.io.radiograph import RASTER_SUFFIXES, to_grey
from medvlp.io.reduced_decode import REDUCIBLE_SYNTAXES, ReducedFrame, decode_reduced
from medvlp.io.reduced_resize import resize_reduced
from medvlp.io.value_chain import ValueChain, apply_value_chain, needs_inversion, stored_range


def _window(ds: Dataset) -> tuple[float, float] | None:
    """First window centre/width (DICOM LINEAR function), or None."""
    centre, width = ds.get("WindowCenter"), ds.get("WindowWidth")
    if centre in (None, "") or width in (None, ""):
        return None
    c = float(centre[0] if ds["WindowCenter"].VM > 1 else centre)
    w = float(width[0] if ds["WindowWidth"].VM > 1 else width)
    return (c, w) if w >= 1 else None


def _unit_affine(stored: np.ndarray, ds: Dataset, path: PathLike) -> tuple[float, float]:
    """(scale, offset) so that ``clip(stored * scale + offset, 0, 1)`` is the [0, 1] image.

    Rescale, the DICOM LINEAR window (PS3.3 C.11.2.1.2.1; else min-max) and MONOCHROME1 inversion are
    all linear, so they fold into one multiply-add computed here in float64 on two scalars.
    """
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    window = _window(ds)
    if window is not None:
        centre, width = window
        # value mapped to 0 and the width mapped to 1; width 1 is a threshold (a tiny span)
        lo, span = centre - 0.5 - (width - 1) / 2, max(width - 1, 1e-6)
    else:
        lo_s, hi_s = float(stored.min()), float(stored.max())
        if hi_s <= lo_s:
            raise EmptyImageError(path, f"constant image (all values {lo_s}): nothing to normalise")
        ends = sorted((lo_s * slope + intercept, hi_s * slope + intercept))
        lo, span = ends[0], ends[1] - ends[0]
    scale, offset = slope / span, (intercept - lo) / span
    if needs_inversion(ds):
        scale, offset = -scale, 1.0 - offset
    return scale, offset


def _linear_path(stored: np.ndarray, ds: Dataset, path: PathLike) -> np.ndarray:
    """Three passes over the image: cast to float32, multiply-add, clip (no float64, no table gather)."""
    scale, offset = _unit_affine(stored, ds, path)
    out = stored.astype(np.float32)
    out *= np.float32(scale)
    out += np.float32(offset)
    return np.clip(out, 0.0, 1.0, out=out)


def _needs_full_chain(ds: Dataset) -> bool:
    return any(name in ds for name in ("ModalityLUTSequence", "VOILUTSequence")) or str(
        ds.get("VOILUTFunction", "LINEAR")).upper() not in ("LINEAR", "")


def _resize_pad(image: np.ndarray, size: int, full_shape: tuple[int, int] | None = None,
                reduced: ReducedFrame | None = None, affine: tuple[float, float] | None = None) -> np.ndarray:
    """Longest side -> ``size`` (antialiased bilinear), centred on a zero canvas ``[size, size]``.

    ``full_shape``: the full-resolution ``(H, W)`` when ``image`` is a reduced decode, so the output
    layout (resized extent and padding) is exactly the one a full decode would get; ``reduced`` says
    where the reduced samples sit (:func:`medvlp.io.reduced_resize.resize_reduced`); ``affine``
    ``(scale, offset)`` maps the resized values to [0, 1] (see :func:`_affine_after_resize`).
    """
    h, w = full_shape or image.shape
    scale = size / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    if reduced is not None:
        resized = resize_reduced(image, (h, w), (new_h, new_w), reduced.step, reduced.centred)
    else:
        tensor = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None, None]
        out = F.interpolate(tensor, size=(new_h, new_w), mode="bilinear", antialias=True, align_corners=False)
        resized = out[0, 0].numpy()
    if affine is not None:
        resized = resized * np.float32(affine[0]) + np.float32(affine[1])
    resized = np.clip(resized, 0.0, 1.0)
    canvas = np.zeros((size, size), dtype=np.float32)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas


def _declares_encapsulated(path: PathLike) -> bool:
    """True when the file meta names a compressed transfer syntax (reading ~200 bytes, not the header).

    Such files need the full parse anyway, so the header-only parse for the native fast path is skipped
    (0.3-0.7 ms per file, 20 % of a 512 x 512 RLE image). Unreadable meta -> False: the usual path
    reports the problem with a typed error.
    """
    try:
        uid = read_file_meta_info(path).get("TransferSyntaxUID")
        return uid is not None and UID(str(uid)).is_encapsulated
    except Exception:  # noqa: BLE001 - any parse failure just means "take the usual path"
        return False


def _read_stored(path: PathLike, size: int | None = None) -> tuple[Dataset, np.ndarray, ReducedFrame | None]:
    """Header-only parse + direct read of native pixel bytes; compressed files: one full pydicom parse.

    JPEG-LS, lossless JPEG and RLE frame 0 are decoded by :mod:`medvlp.io.codec_fast` inside
    :func:`decode_pixels` (pydicom if it does not apply). With ``size``, JPEG 2000 / 8-bit JPEG frames are decoded at a reduced resolution whose longest side
    is still >= ``size`` (:mod:`medvlp.io.reduced_decode`); the third item then says where its samples sit.
    """
    if not _declares_encapsulated(path):
        header = open_dicom(path, header_only=True)
        try:
            stored = read_native_tail(
                path, transfer_syntax(header), int(header.Rows), int(header.Columns), int(header.BitsAllocated),
                int(header.get("BitsStored") or header.BitsAllocated), int(header.get("PixelRepresentation", 0)) == 1,
                int(header.get("SamplesPerPixel", 1) or 1), int(header.get("NumberOfFrames", 1) or 1))
        except (AttributeError, TypeError, ValueError):
            stored = None  # missing/odd pixel module: the full path below reports it with a reason
        if stored is not None and stored.size > 0:
            return header, stored, None
    ds = open_dicom(path)
    if size is not None and transfer_syntax(ds) in REDUCIBLE_SYNTAXES:
        check_pixel_header(ds, path)
        reduced = decode_reduced(ds, size)
        if reduced is not None:
            return ds, reduced.pixels, reduced
    return ds, decode_pixels(ds, path, first_frame_only=True), None


def _stored_grey(path: PathLike, size: int | None) -> tuple[Dataset, np.ndarray, ReducedFrame | None]:
    """Stored values of the first frame as ``[h, w]`` grey, plus the reduced-decode info (or None)."""
    ds, stored, reduced = _read_stored(path, size)
    if stored.ndim == 3 and int(ds.get("SamplesPerPixel", 1) or 1) == 1:
        stored = stored[0]
    return ds, to_grey(stored, str(ds.get("PhotometricInterpretation", ""))), reduced


def _unit(stored: np.ndarray, ds: Dataset, path: PathLike) -> np.ndarray:
    """Stored ``[h, w]`` -> float32 [0, 1] through the value chain (LUT sequences: pydicom's implementation)."""
    if _needs_full_chain(ds):
        values, (lo, hi) = apply_value_chain(stored, ds, ValueChain(voi_lut=True))
        return np.clip((values - lo) / max(hi - lo, 1e-12), 0, 1).astype(np.float32)
    return _linear_path(stored, ds, path)


def _affine_after_resize(stored: np.ndarray, ds: Dataset, path: PathLike) -> tuple[float, float] | None:
    """``(scale, offset)`` when the [0, 1] mapping is an affine map that never clips, else None.

    The resize is a normalised linear filter, so it commutes with such a map: resizing the stored values
    first and mapping the small image gives the same result (to float rounding) for 3 fewer full-size
    passes. That holds for min-max normalisation and for windows that cover the whole stored range.
    """
    if _needs_full_chain(ds):
        return None
    scale, offset = _unit_affine(stored, ds, path)
    if _window(ds) is None:
        return scale, offset
    ends = [v * scale + offset for v in stored_range(ds)]
    return (scale, offset) if min(ends) >= -1e-6 and max(ends) <= 1 + 1e-6 else None


def dicom_unit_array(path: PathLike) -> np.ndarray:
    """DICOM -> float32 ``[H, W]`` in [0, 1] (first frame of multi-frame), bright = dense; full resolution."""
    ds, stored, _ = _stored_grey(path, None)
    return _unit(stored, ds, path)


def load_radiograph_array(path: PathLike, size: int | None = None, reduced_decode: bool = True) -> np.ndarray:
    """Model-ready radiograph: float32 ``[H, W]`` in [0, 1] (or ``[size, size]`` resized + padded).

    DICOM: rescale, first window (else min-max), MONOCHROME1 inverted. PNG/JPEG: divided by the
    bit depth's maximum. With ``size``, JPEG 2000 and 8-bit JPEG DICOM frames are decoded at a reduced
    resolution (longest side still >= ``size``, never upsampled) before the same resize; the result
    agrees with full decode + resize within the tolerance stated in ``tests/io/test_io_reduced_decode.py``
    (``reduced_decode=False`` always decodes at full resolution). Where the [0, 1] mapping cannot clip,
    it is applied after the resize (exact up to float rounding, fewer full-size passes).
    """
    if Path(path).suffix.lower() in RASTER_SUFFIXES:
        from medvlp.io.raster import read_raster

        raw, bits = read_raster(path)
        image = raw.astype(np.float32) * np.float32(1.0 / (2**bits - 1))
        return image if size is None else _resize_pad(image, size)
    if size is None:
        return dicom_unit_array(path)
    ds, stored, reduced = _stored_grey(path, size if reduced_decode else None)
    full_shape = (int(ds.Rows), int(ds.Columns))
    affine = _affine_after_resize(stored, ds, path)
    if affine is not None:
        return _resize_pad(stored.astype(np.float32, copy=False), size, full_shape, reduced, affine)
    return _resize_pad(_unit(stored, ds, path), size, full_shape, reduced)
