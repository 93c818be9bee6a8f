"""2D radiographs (DICOM CR/DX/..., PNG, JPEG) -> ``Radiograph`` with typed, whitelisted metadata.

Identifiers (patient, accession, UIDs) live in ``RecordIdentifiers``, apart from the whitelisted
``RadiographMeta``, so they can be pseudonymised (``medvlp.io.deid``) before leaving this layer; names,
birth dates and addresses are never read into either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from medvlp.io.dicom_file import PathLike, decode_pixels, open_dicom, transfer_syntax
from medvlp.io.errors import EmptyImageError
from medvlp.io.identifiers import RecordIdentifiers, with_pseudonyms
from medvlp.io.value_chain import ValueChain, apply_value_chain

__all__ = ["Radiograph", "RadiographMeta", "RecordIdentifiers", "read_radiograph", "with_pseudonyms"]

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class RadiographMeta:
    """Whitelisted technical metadata of a radiograph (no identifiers, no free text about the patient)."""

    modality: str = ""
    view_position: str = ""
    laterality: str = ""
    body_part: str = ""
    photometric: str = "MONOCHROME2"
    rows: int = 0
    cols: int = 0
    frames: int = 1
    bits_allocated: int = 8
    bits_stored: int = 8
    pixel_representation: int = 0
    pixel_spacing: tuple[float, float] | None = None
    rescale_slope: float = 1.0
    rescale_intercept: float = 0.0
    window_centers: tuple[float, ...] = ()
    window_widths: tuple[float, ...] = ()
    transfer_syntax: str = ""
    source_format: str = "dicom"
    value_range: tuple[float, float] = (0.0, 255.0)  # possible range of ``pixels`` after the chain


@dataclass
class Radiograph:
    """``pixels``: float32 ``[H, W]`` (or ``[F, H, W]`` multi-frame), bright = dense by default."""

    pixels: np.ndarray
    meta: RadiographMeta
    ids: RecordIdentifiers = field(default_factory=RecordIdentifiers)
    path: str = ""


def _floats(value: object) -> tuple[float, ...]:
    """DS/IS values (single or multi-valued) as floats; missing -> ()."""
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") else value
    return tuple(float(v) for v in items)  # type: ignore[union-attr]


def _spacing(ds: Dataset) -> tuple[float, float] | None:
    for name in ("PixelSpacing", "ImagerPixelSpacing"):
        values = _floats(ds.get(name))
        if len(values) == 2:
            return values[0], values[1]
    return None


def meta_from_dataset(ds: Dataset, value_range: tuple[float, float] = (0.0, 0.0)) -> RadiographMeta:
    """Build the whitelisted metadata from a (possibly header-only) dataset."""
    bits_alloc = int(ds.get("BitsAllocated", 0) or 0)
    return RadiographMeta(
        modality=str(ds.get("Modality", "") or ""),
        view_position=str(ds.get("ViewPosition", "") or ""),
        laterality=str(ds.get("ImageLaterality", ds.get("Laterality", "")) or ""),
        body_part=str(ds.get("BodyPartExamined", "") or ""),
        photometric=str(ds.get("PhotometricInterpretation", "") or ""),
        rows=int(ds.get("Rows", 0) or 0),
        cols=int(ds.get("Columns", 0) or 0),
        frames=int(ds.get("NumberOfFrames", 1) or 1),
        bits_allocated=bits_alloc,
        bits_stored=int(ds.get("BitsStored", bits_alloc) or bits_alloc),
        pixel_representation=int(ds.get("PixelRepresentation", 0) or 0),
        pixel_spacing=_spacing(ds),
        rescale_slope=float(ds.get("RescaleSlope", 1.0) or 1.0),
        rescale_intercept=float(ds.get("RescaleIntercept", 0.0) or 0.0),
        window_centers=_floats(ds.get("WindowCenter")),
        window_widths=_floats(ds.get("WindowWidth")),
        transfer_syntax=transfer_syntax(ds),
        value_range=value_range,
    )


def to_grey(arr: np.ndarray, photometric: str) -> np.ndarray:
    """Colour radiographs (rare: secondary captures) become luminance; grey arrays pass through."""
    if photometric.upper().startswith(("RGB", "YBR")) and arr.shape[-1] == 3:
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601 luma
        return arr.astype(np.float32) @ weights
    return arr


def read_dicom_radiograph(path: PathLike, chain: ValueChain | None = None) -> Radiograph:
    """Decode a DICOM radiograph and run the grey-value chain (see :class:`ValueChain`)."""
    ds = open_dicom(path)
    stored = to_grey(decode_pixels(ds, path), str(ds.get("PhotometricInterpretation", "")))
    pixels, value_range = apply_value_chain(stored, ds, chain or ValueChain())
    return Radiograph(pixels, meta_from_dataset(ds, value_range), RecordIdentifiers.from_dataset(ds), str(path))


def read_radiograph(path: PathLike, chain: ValueChain | None = None) -> Radiograph:
    """Read a radiograph from DICOM, PNG or JPEG (chosen by suffix, DICOM otherwise).

    Raises a :mod:`medvlp.io.errors` subclass naming the file on any bad input.
    """
    if Path(path).suffix.lower() in RASTER_SUFFIXES:
        from medvlp.io.raster import read_raster

        pixels, bits = read_raster(path)
        meta = RadiographMeta(rows=pixels.shape[0], cols=pixels.shape[1], bits_allocated=bits,
                              bits_stored=bits, source_format=Path(path).suffix.lower().lstrip("."),
                              value_range=(0.0, float(2**bits - 1)))
        return Radiograph(pixels.astype(np.float32), meta, RecordIdentifiers(), str(path))
    image = read_dicom_radiograph(path, chain)
    if image.pixels.size == 0:
        raise EmptyImageError(path, "no pixels after decoding")
    return image
