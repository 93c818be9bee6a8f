"""Segmentation masks of the localisable findings, derived from what the painters drew.

A painter only adds attenuation to the canvas layers; the mask of a finding is where the composed
attenuation changed by more than :data:`MASK_THRESHOLD` when its painter ran (the same test as
"where the image differs from the same study painted without the finding"). No random numbers are
drawn here, so the images and reports stay byte-identical to a generation without masks.

Mask values: 0 = background, ``1 + index`` of the finding in the CheXpert label set
(:data:`medvlp.knowledge.findings.CHEXPERT`) otherwise; where findings overlap the later-painted
one wins. Written as 8-bit grey PNG ``<n>.mask.png`` beside ``<n>.dcm`` (same pixel grid).

CT: the same rule in HU (:data:`CT_MASK_THRESHOLD_HU`) with values ``1 + index`` in the CT label set,
written as uint8 NIfTI on the volume's RAS+ grid: ``ct/nifti/<study>.mask.nii.gz`` beside the volume,
``ct/dicom/<patient>/<study>/lesions.mask.nii.gz`` for DICOM series (same geometry as the series).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from medvlp.knowledge.findings import CHEXPERT, CT

MASK_SUFFIX = ".mask.png"
MASK_THRESHOLD = 0.02  # attenuation units; the detector noise is ~0.01-0.02 after exposure scaling
MASKED_FINDINGS = (  # findings with a region a radiologist could outline (not devices, heart size, ribs)
    "Lung Lesion", "Lung Opacity", "Edema", "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax",
    "Pleural Effusion", "Pleural Other",
)


CT_MASK_SUFFIX = ".mask.nii.gz"
CT_MASK_THRESHOLD_HU = 30.0  # HU change that counts as painted (the scanner noise is 6-18 HU)
CT_MASKED_FINDINGS = tuple(n for n in CT.labels if n != "Cardiomegaly")  # an enlarged organ, not a lesion


def ct_mask_value(label: str) -> int:
    """The uint8 value of CT finding ``label`` in the CT masks (1-based CT label-set index)."""
    return CT.labels.index(label) + 1


def add_painted_volume(mask: np.ndarray, label: str, before: np.ndarray, after: np.ndarray) -> None:
    """Mark in ``mask [X, Y, Z]`` (uint8, in place) the voxels the CT painter of ``label`` changed."""
    if label in CT_MASKED_FINDINGS:
        mask[np.abs(after - before) > CT_MASK_THRESHOLD_HU] = ct_mask_value(label)


def mask_value(label: str) -> int:
    """The uint8 value of ``label`` in the masks (1-based CheXpert index)."""
    return CHEXPERT.labels.index(label) + 1


def value_labels() -> dict[int, str]:
    """``{mask value: finding}`` for every finding that can appear in a synthetic mask."""
    return {mask_value(name): name for name in MASKED_FINDINGS}


def add_painted_region(mask: np.ndarray, label: str, before: np.ndarray, after: np.ndarray) -> None:
    """Mark in ``mask [H, W]`` (uint8, in place) the pixels the painter of ``label`` changed.

    ``before``/``after``: composed attenuation ``[H, W]`` just before and after the painter ran.
    """
    if label in MASKED_FINDINGS:
        mask[np.abs(after - before) > MASK_THRESHOLD] = mask_value(label)


def png_bytes(mask: np.ndarray) -> bytes:
    """``uint8 [H, W]`` -> 8-bit grey PNG bytes (deterministic for the same array)."""
    if mask.dtype != np.uint8 or mask.ndim != 2:
        raise ValueError(f"mask must be uint8 [H, W], got {mask.dtype} {mask.shape}")
    buf = io.BytesIO()
    Image.fromarray(mask, mode="L").save(buf, format="PNG", optimize=False)
    return buf.getvalue()
