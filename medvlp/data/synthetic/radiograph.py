"""Render one radiograph view to stored detector values (exposure, noise, bit depth, photometry)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.findings_cxr import CXR_PAINTERS, prepare_anatomy
from medvlp.data.synthetic.lateral_cxr import draw_lateral
from medvlp.data.synthetic.masks import add_painted_region
from medvlp.data.synthetic.phantom_cxr import Anatomy, compose, draw_anatomy, make_canvas


@dataclass
class Detector:
    """How a view is stored: bits, photometric interpretation and the display window."""

    bits_stored: int
    monochrome1: bool


def attenuation_frontal(anatomy: Anatomy, findings: list[Finding], rows: int, cols: int,
                        rng: np.random.Generator, mask: np.ndarray | None = None) -> np.ndarray:
    """Attenuation image [rows, cols] of a PA/AP view with the findings painted.

    With ``mask`` (uint8 [rows, cols], filled in place), each localisable finding's painted region is
    marked (:mod:`medvlp.data.synthetic.masks`); this draws no random numbers, so the image is the same.
    """
    canvas = make_canvas(anatomy, rows, cols)
    draw_anatomy(canvas, rng)
    for f in findings:
        before = compose(canvas) if mask is not None else None
        CXR_PAINTERS.create(f.label, canvas=canvas, f=f, rng=rng)
        if mask is not None and before is not None:
            add_painted_region(mask, f.label, before, compose(canvas))
    return compose(canvas)


def render_view(anatomy: Anatomy, findings: list[Finding], view: str, rows: int, cols: int,
                rng: np.random.Generator, mask: np.ndarray | None = None) -> np.ndarray:
    """Attenuation [rows, cols] for ``view`` in PA/AP/LL (anatomy already prepared).

    ``mask`` (uint8 [rows, cols]) receives the findings' regions on frontal views; lateral views
    leave it untouched (no masks are drawn for them).
    """
    if view == "LL":
        return draw_lateral(anatomy, findings, rows, cols, rng)
    return attenuation_frontal(anatomy, findings, rows, cols, rng, mask)


def to_stored(attenuation: np.ndarray, anatomy: Anatomy, detector: Detector, rng: np.random.Generator) -> np.ndarray:
    """Detector values uint16 [H, W]: exposure, blur, Poisson-like + electronic noise, bit depth.

    MONOCHROME1 stores inverted values (bright = low), as CR readers do.
    """
    signal = ndimage.gaussian_filter(attenuation, 0.7) * anatomy.exposure
    signal = 0.05 + 0.9 * np.clip(signal / 0.75, 0.0, 1.0)
    noise = rng.standard_normal(signal.shape).astype(np.float32)
    signal = signal + noise * (anatomy.noise * np.sqrt(signal) + 0.004)
    top = (1 << detector.bits_stored) - 1
    values = np.round(np.clip(signal, 0.0, 1.0) * top).astype(np.uint16)
    return (top - values).astype(np.uint16) if detector.monochrome1 else values


def prepare(anatomy: Anatomy, findings: list[Finding], rng: np.random.Generator) -> None:
    prepare_anatomy(anatomy, findings, rng)
