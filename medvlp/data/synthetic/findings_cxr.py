"""Painters that draw each CheXpert finding onto a frontal :class:`Canvas`.

Each painter adds attenuation (bright = dense) where the finding lives; contrasts are chosen so
that a small CNN can see them at 256 px. Registered by label name in :data:`CXR_PAINTERS`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.grid import curve_points, draw_polyline, ellipse, smooth_noise, soft_inside
from medvlp.data.synthetic.phantom_cxr import Anatomy, Canvas
from medvlp.registry import Registry

Painter = Callable[[Canvas, Finding, np.random.Generator], None]
CXR_PAINTERS: Registry[None] = Registry("cxr finding painter")
SEVERITY_SCALE = {"small": 0.6, "moderate": 1.0, "large": 1.5}
MM_PER_UNIT = 400.0  # image height in mm at scale 1 (matches the written PixelSpacing)


def sides_of(f: Finding) -> list[str]:
    return ["right", "left"] if f.side in ("bilateral", "") else [f.side]


def prepare_anatomy(anatomy: Anatomy, findings: list[Finding], rng: np.random.Generator) -> None:
    """Geometry-changing findings act before the anatomy is drawn (cardiomegaly enlarges the heart)."""
    for f in findings:
        if f.label == "Cardiomegaly":
            anatomy.ctr = float(rng.uniform(0.58, 0.66))


def _zone(canvas: Canvas, side: str, zone: str) -> np.ndarray:
    """Soft band of the lung of ``side`` at the upper/middle/lower third of its height."""
    a, y = canvas.anatomy, canvas.y
    bands = {"upper": (a.apex_y, a.apex_y + 0.2), "middle": (0.36, 0.54), "lower": (0.5, 0.8)}
    lo, hi = bands.get(zone, bands["lower"])
    return canvas.lung[side] * soft_inside(lo - y, 0.03) * soft_inside(y - hi, 0.03)


def _fill(canvas: Canvas, mask: np.ndarray, strength: float, hide_markings: float = 1.0) -> None:
    """Add ``strength`` x ``mask`` of attenuation and hide the lung markings under it."""
    assert canvas.density is not None and canvas.marking_gain is not None
    canvas.density += strength * mask
    canvas.marking_gain *= 1.0 - hide_markings * np.clip(mask, 0.0, 1.0)


def _fill_air(canvas: Canvas, mask: np.ndarray, fraction: float, hide_markings: float = 1.0) -> None:
    """Replace ``fraction`` of the lung air under ``mask`` by fluid/tissue: never denser than soft tissue,
    so opacities behind the heart stay as faint as they are on real films."""
    assert canvas.air is not None
    _fill(canvas, np.clip(mask, 0.0, 1.5) * canvas.air / 0.34, fraction * 0.34, hide_markings)


@CXR_PAINTERS.register("Pleural Effusion")
def paint_effusion(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Dependent fluid filling the costophrenic angle, its meniscus climbing the lateral wall."""
    ax, y = np.abs(canvas.x), canvas.y
    cage = np.maximum(canvas.rib_half_width(y), 1e-3)
    for side in sides_of(f):
        height = {"small": 0.07, "moderate": 0.1, "large": 0.15}[f.severity] * float(rng.uniform(0.95, 1.1))
        deepest = canvas.dome(side, canvas.anatomy.thorax_half_width * np.ones(1))[0]
        top = deepest - height - 0.08 * np.clip(ax / cage, 0, 1) ** 2
        on_side = (canvas.x * canvas.side_sign(side) > 0) * soft_inside(ax - cage, 0.01)
        fluid = soft_inside(top - y, 0.012) * on_side * soft_inside(y - deepest - 0.03, 0.01)
        _fill_air(canvas, fluid * canvas.lung[side], 1.05)


@CXR_PAINTERS.register("Pneumothorax")
def paint_pneumothorax(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Air between chest wall and a visible pleural line: dark, no lung markings, apex and periphery."""
    ax, y, a = np.abs(canvas.x), canvas.y, canvas.anatomy
    gap = {"small": 0.045, "moderate": 0.065, "large": 0.09}[f.severity]
    from_wall = np.minimum(canvas.rib_half_width(y) - 0.015 - ax, 0.8 * (y - a.apex_y))
    local_gap = gap * np.clip(1.4 - (y - a.apex_y) / 0.45, 0.2, 1.4)
    for side in sides_of(f):
        air = canvas.lung[side] * soft_inside(from_wall - local_gap, 0.004)
        line = canvas.lung[side] * np.exp(-(((from_wall - local_gap) / 0.004) ** 2))
        _fill(canvas, air, -0.10)
        _fill(canvas, line, 0.10, 0.0)


def _patch(canvas: Canvas, f: Finding, rng: np.random.Generator, cells: int, cut: float, strength: float) -> None:
    """Thresholded smooth noise inside a lung zone: consolidation, opacity, pneumonia."""
    noise = smooth_noise(rng, canvas.shape, cells)
    blob = np.clip((noise - cut) / 0.5, 0.0, 1.0)
    for side in sides_of(f):
        zone = _zone(canvas, side, f.lobe)
        _fill_air(canvas, blob * zone + 0.25 * zone * (blob > 0), strength / 0.34 * SEVERITY_SCALE[f.severity] ** 0.5)


@CXR_PAINTERS.register("Consolidation")
def paint_consolidation(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    _patch(canvas, f, rng, cells=5, cut=-0.6, strength=0.30)


@CXR_PAINTERS.register("Lung Opacity")
def paint_opacity(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    _patch(canvas, f, rng, cells=4, cut=-1.0, strength=0.16)


@CXR_PAINTERS.register("Pneumonia")
def paint_pneumonia(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    _patch(canvas, f, rng, cells=14, cut=0.0, strength=0.26)


@CXR_PAINTERS.register("Edema")
def paint_edema(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Bilateral perihilar (bat-wing) haze with interstitial texture."""
    hilum = np.minimum(np.hypot(canvas.x + 0.09, canvas.y - 0.47), np.hypot(canvas.x - 0.09, canvas.y - 0.47))
    haze = np.clip(1.0 - hilum / 0.24, 0.0, 1.0) ** 0.8
    lines = 0.3 * np.clip(smooth_noise(rng, canvas.shape, 40), 0, None)
    lungs = canvas.lung["right"] + canvas.lung["left"]
    _fill_air(canvas, lungs * haze * (1.0 + lines), 0.65 * SEVERITY_SCALE[f.severity] ** 0.5, 0.6)


@CXR_PAINTERS.register("Atelectasis")
def paint_atelectasis(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """One to three plate-like bands in the lower lung."""
    x, y = canvas.x, canvas.y
    for side in sides_of(f):
        s = canvas.side_sign(side)
        for _ in range(int(rng.integers(1, 4))):
            xc = s * float(rng.uniform(0.12, 0.22))
            y0 = float(rng.uniform(0.52, 0.64)) if f.lobe != "upper" else float(rng.uniform(0.25, 0.35))
            tilt = float(rng.uniform(-0.25, 0.25))
            band = np.exp(-(((y - y0 - tilt * (x - xc)) / 0.009) ** 2)) * soft_inside(np.abs(x - xc) - 0.09, 0.01)
            _fill_air(canvas, band * canvas.lung[side], 0.94, 0.5)


@CXR_PAINTERS.register("Lung Lesion")
def paint_lesion(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """A round nodule or mass of ``size_mm`` centred well inside the lung."""
    radius = f.size_mm / 2.0 / MM_PER_UNIT
    side = sides_of(f)[0]
    zone = _zone(canvas, side, f.lobe)
    lung = canvas.lung[side]
    assert canvas.air is not None
    inner = (zone > 0.99) & (canvas.air > 0.3) & (np.abs(canvas.x) < canvas.rib_half_width(canvas.y) - 0.015 - radius)
    inner &= np.abs(canvas.x) > canvas.anatomy.mediastinum_half_width + radius
    candidates = np.flatnonzero(inner) if inner.any() else np.flatnonzero(lung > 0.5)
    centre = int(candidates[int(rng.integers(len(candidates)))])
    cy, cx = canvas.y.flat[centre], canvas.x.flat[centre]
    _fill(canvas, ellipse((canvas.x, canvas.y), (cx, cy), (radius, radius), 0.004), 0.36)


@CXR_PAINTERS.register("Pleural Other")
def paint_pleural_thickening(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Pleural thickening: a dense band along the lateral chest wall."""
    ax, y = np.abs(canvas.x), canvas.y
    inner_wall = canvas.rib_half_width(y) - 0.015
    width = float(rng.uniform(0.012, 0.02))
    for side in sides_of(f):
        band = soft_inside(inner_wall - width - ax, 0.005) * soft_inside(0.3 - y, 0.03) * soft_inside(y - 0.62, 0.03)
        _fill_air(canvas, band * canvas.lung[side], 0.9)


@CXR_PAINTERS.register("Fracture")
def paint_fracture(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Rib discontinuity: a gap in one posterior rib with the lateral fragment displaced."""
    a, x, y = canvas.anatomy, canvas.x, canvas.y
    ax = np.abs(x)
    i = int(f.kind) - 1 if f.kind.isdigit() else int(rng.integers(3, 8))
    x0 = float(rng.uniform(0.18, 0.28))
    on_side = (x * canvas.side_sign(sides_of(f)[0]) > 0) * soft_inside(ax - canvas.rib_half_width(y), 0.004)
    centre = a.apex_y + a.rib_phase + 0.055 * i - 0.02 + 0.35 * (ax - 0.12) ** 2
    rib = np.exp(-(((y - centre) / 0.009) ** 2)) * on_side
    shifted = np.exp(-(((y - centre - 0.014) / 0.009) ** 2)) * on_side
    lateral = soft_inside(x0 - ax, 0.002)
    gap = soft_inside(np.abs(ax - x0) - 0.008, 0.002)
    assert canvas.density is not None
    canvas.density += 0.09 * (-rib * np.maximum(lateral, gap) + shifted * lateral * (1 - gap))


DEVICE_PATHS: dict[str, list[tuple[float, float]]] = {
    "ett": [(0.0, 0.0), (0.0, 0.26)],
    "ngt": [(0.0, 0.0), (0.01, 0.3), (0.02, 0.62), (0.12, 0.80), (0.18, 0.82)],
    "cvc": [(-0.15, 0.02), (-0.08, 0.15), (-0.04, 0.25), (-0.03, 0.38)],
    "picc": [(-0.5, 0.22), (-0.3, 0.2), (-0.12, 0.22), (-0.04, 0.28), (-0.03, 0.38)],
}


@CXR_PAINTERS.register("Support Devices")
def paint_devices(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Tubes and lines as bright (radio-opaque) curves along their anatomical paths."""
    rows, cols = canvas.shape
    a = canvas.anatomy
    for kind in f.kind.split("+"):
        pts = curve_points(np.asarray(DEVICE_PATHS[kind], dtype=np.float64))
        r = ((pts[:, 1] - 0.5) * a.scale + 0.5 + a.shift_y) * rows - 0.5
        c = (pts[:, 0] * a.scale + a.shift_x) * rows + cols / 2 - 0.5
        _fill(canvas, draw_polyline((rows, cols), r, c, max(2.0, rows / 128)), 0.5, 0.0)


@CXR_PAINTERS.register("Enlarged Cardiomediastinum")
def paint_wide_mediastinum(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """A widened upper mediastinum displacing the medial lung."""
    ax, y = np.abs(canvas.x), canvas.y
    half = float(rng.uniform(0.10, 0.13))
    _, hy, _, hh = canvas.heart_geometry()
    band = soft_inside(ax - half, 0.006) * soft_inside(0.12 - y, 0.02) * soft_inside(y - (hy - hh + 0.02), 0.02)
    _fill_air(canvas, band * (canvas.lung["right"] + canvas.lung["left"]), 1.0)


@CXR_PAINTERS.register("Cardiomegaly")
def paint_cardiomegaly(canvas: Canvas, f: Finding, rng: np.random.Generator) -> None:
    """Nothing to paint: :func:`prepare_anatomy` already enlarged the heart."""
