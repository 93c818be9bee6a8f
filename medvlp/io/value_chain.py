"""The DICOM grey-value chain: stored -> modality LUT -> VOI LUT -> MONOCHROME1 inversion.

Each step uses pydicom's own implementation (``apply_modality_lut``, ``apply_voi_lut``) and this module
only tracks the *possible* output range so MONOCHROME1 can be inverted as ``lo + hi - x`` (bright =
dense), which is what a viewer does; inverting by the image's own min/max would shift grey levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut


@dataclass(frozen=True)
class ValueChain:
    """Which steps of the grey-value chain to apply.

    ``voi_index`` picks one of several window centre/width pairs (or VOI LUTs); ``invert_monochrome1``
    makes bright always mean dense.
    """

    modality_lut: bool = True
    voi_lut: bool = False
    voi_index: int = 0
    invert_monochrome1: bool = True


def stored_range(ds: Dataset) -> tuple[float, float]:
    """Smallest and largest representable stored value given BitsStored and PixelRepresentation."""
    bits = int(ds.get("BitsStored") or ds.BitsAllocated)
    if int(ds.get("PixelRepresentation", 0) or 0) == 1:
        return float(-(2 ** (bits - 1))), float(2 ** (bits - 1) - 1)
    return 0.0, float(2**bits - 1)


def _lut_bits(item: Dataset) -> int:
    descriptor = item.LUTDescriptor
    bits = int(descriptor[2])
    return bits if bits > 0 else 16


def modality_range(ds: Dataset, lo: float, hi: float) -> tuple[float, float]:
    """Output range of the modality LUT for stored range ``[lo, hi]``."""
    if "ModalityLUTSequence" in ds:
        return 0.0, float(2 ** _lut_bits(ds.ModalityLUTSequence[0]) - 1)
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    ends = sorted((lo * slope + intercept, hi * slope + intercept))
    return ends[0], ends[1]


def voi_range(ds: Dataset, index: int) -> tuple[float, float] | None:
    """Output range of pydicom's VOI step, or None when the dataset carries no VOI information."""
    if "VOILUTSequence" in ds:
        seq = ds.VOILUTSequence
        return 0.0, float(2 ** _lut_bits(seq[min(index, len(seq) - 1)]) - 1)
    if "WindowCenter" in ds and "WindowWidth" in ds:
        # pydicom windows onto the modality output range (PS3.3 C.11.2.1.2): same rule here
        if "ModalityLUTSequence" in ds:
            return modality_range(ds, 0.0, 0.0)
        lo, hi = stored_range(ds)
        if ds.get("RescaleSlope") is not None and ds.get("RescaleIntercept") is not None:
            return modality_range(ds, lo, hi)
        return lo, hi
    return None


def apply_value_chain(arr: np.ndarray, ds: Dataset, chain: ValueChain) -> tuple[np.ndarray, tuple[float, float]]:
    """Run the chain on stored values ``[H, W]`` / ``[F, H, W]``; returns float32 pixels and their range."""
    lo, hi = stored_range(ds)
    out: np.ndarray = arr
    if chain.modality_lut:
        out = apply_modality_lut(out, ds)
        lo, hi = modality_range(ds, lo, hi)
    if chain.voi_lut:
        rng = voi_range(ds, chain.voi_index)
        if rng is not None:
            out = apply_voi_lut(out, ds, index=chain.voi_index)
            lo, hi = rng
    out = np.asarray(out, dtype=np.float32)
    if chain.invert_monochrome1 and needs_inversion(ds):
        out = np.float32(lo + hi) - out
    return out, (lo, hi)


def needs_inversion(ds: Dataset) -> bool:
    """MONOCHROME1 means low values are bright; a Presentation LUT Shape of INVERSE flips it once more."""
    mono1 = str(ds.get("PhotometricInterpretation", "")).upper() == "MONOCHROME1"
    inverse_plut = str(ds.get("PresentationLUTShape", "")).upper() == "INVERSE"
    return mono1 != inverse_plut
