"""Frontal (PA/AP) chest radiograph phantom in attenuation units (bright = dense).

Coordinates: ``y`` runs 0..1 from the top row to the bottom row; ``x`` is the horizontal offset
from the image centre in units of the image height. Patient right is on the image left (x < 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from medvlp.data.synthetic.grid import ellipse, smooth_noise, soft_inside


@dataclass
class Anatomy:
    """Body habitus and positioning of one frontal radiograph."""

    shift_x: float = 0.0
    shift_y: float = 0.0
    scale: float = 1.0
    thorax_half_width: float = 0.38  # inner rib cage half-width at its widest
    apex_y: float = 0.14
    dome_y: tuple[float, float] = (0.70, 0.72)  # (right, left) hemidiaphragm dome heights
    ctr: float = 0.42  # cardiothoracic ratio
    heart_half_height: float = 0.12
    mediastinum_half_width: float = 0.055
    rib_phase: float = 0.0
    exposure: float = 1.0
    noise: float = 0.015


def sample_anatomy(habitus: np.random.Generator, study: np.random.Generator) -> Anatomy:
    """Patient-level shape from ``habitus`` (same for every study of a patient), positioning from ``study``."""
    dome = float(habitus.uniform(0.68, 0.72))
    return Anatomy(
        shift_x=float(study.uniform(-0.02, 0.02)), shift_y=float(study.uniform(-0.02, 0.02)),
        scale=float(study.uniform(0.95, 1.03)), thorax_half_width=float(habitus.uniform(0.35, 0.40)),
        apex_y=float(habitus.uniform(0.12, 0.15)), dome_y=(dome, dome + float(habitus.uniform(0.01, 0.03))),
        ctr=float(habitus.uniform(0.36, 0.44)), heart_half_height=float(habitus.uniform(0.11, 0.13)),
        mediastinum_half_width=float(habitus.uniform(0.045, 0.06)), rib_phase=float(habitus.uniform(-0.01, 0.01)),
        exposure=float(study.uniform(0.85, 1.15)), noise=float(study.uniform(0.008, 0.02)),
    )


@dataclass
class Canvas:
    """Layers of one frontal image; findings paint into them before they are composed."""

    anatomy: Anatomy
    x: np.ndarray  # [H, W] horizontal coordinate (image-height units)
    y: np.ndarray  # [H, W] vertical coordinate 0..1
    lung: dict[str, np.ndarray] = field(default_factory=dict)  # side -> soft lung mask [H, W]
    density: np.ndarray | None = None  # [H, W] everything except lung markings
    markings: np.ndarray | None = None  # [H, W] lung vessel texture
    marking_gain: np.ndarray | None = None  # [H, W] 1 where markings show, 0 where removed
    air: np.ndarray | None = None  # [H, W] attenuation the lung air removed (what fluid can fill back)

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.x.shape[0]), int(self.x.shape[1])

    def side_sign(self, side: str) -> float:
        """Sign of x on the patient's ``side`` (patient right is image left)."""
        return -1.0 if side == "right" else 1.0

    def rib_half_width(self, y: np.ndarray) -> np.ndarray:
        """Inner rib cage half-width at height ``y`` (widest near the bases)."""
        a = self.anatomy
        return a.thorax_half_width * np.clip(1.0 - ((y - 0.78) / 0.72) ** 2, 0.0, 1.0) ** 0.35

    def dome(self, side: str, abs_x: np.ndarray) -> np.ndarray:
        """Hemidiaphragm height: highest mid-lung, deepest at the costophrenic angle."""
        a = self.anatomy
        top = a.dome_y[0] if side == "right" else a.dome_y[1]
        w = a.thorax_half_width
        return top + 0.09 * ((abs_x - 0.45 * w) / (0.55 * w)) ** 2

    def heart_geometry(self) -> tuple[float, float, float, float]:
        """(centre x, centre y, half-width, half-height) of the cardiac silhouette."""
        a = self.anatomy
        half_w = a.ctr * a.thorax_half_width
        cy = min(a.dome_y) - 0.09
        return 0.3 * half_w, cy, half_w, a.heart_half_height


def make_canvas(anatomy: Anatomy, rows: int, cols: int) -> Canvas:
    """Coordinate grids for an image of ``rows`` x ``cols`` with the anatomy's shift and scale applied."""
    yy, xx = np.meshgrid(np.arange(rows, dtype=np.float32), np.arange(cols, dtype=np.float32), indexing="ij")
    x = ((xx + 0.5 - cols / 2) / rows - anatomy.shift_x) / anatomy.scale
    y = ((yy + 0.5) / rows - 0.5 - anatomy.shift_y) / anatomy.scale + 0.5
    return Canvas(anatomy=anatomy, x=x, y=y)


def draw_anatomy(canvas: Canvas, rng: np.random.Generator) -> None:
    """Fill ``canvas.density``/``markings``/``lung`` with the normal chest."""
    a, x, y = canvas.anatomy, canvas.x, canvas.y
    px = 1.0 / canvas.shape[0]
    ax = np.abs(x)
    body_half = np.where(y < 0.1, 0.09 + (a.thorax_half_width - 0.02) * np.clip(y / 0.1, 0, 1) ** 2,
                         a.thorax_half_width + 0.07)
    density = 0.04 + 0.46 * soft_inside(ax - body_half, 3 * px)
    hx, hy, hw, hh = canvas.heart_geometry()
    heart = ellipse((x, y), (hx, hy), (hw, hh), 2 * px)
    cage = canvas.rib_half_width(y)
    for side in ("right", "left"):
        on_side = (x * canvas.side_sign(side)) > 0
        lung = soft_inside(ax - (cage - 0.015), 2 * px) * soft_inside(a.mediastinum_half_width - ax, 2 * px)
        lung = lung * soft_inside(y - canvas.dome(side, ax), 2 * px) * soft_inside(a.apex_y - y, 4 * px)
        canvas.lung[side] = np.where(on_side, lung, 0.0).astype(np.float32)
    lungs = canvas.lung["right"] + canvas.lung["left"]
    canvas.air = (0.34 * lungs * (1.0 - 0.85 * heart)).astype(np.float32)
    density = density - canvas.air + 0.06 * heart
    density += 0.10 * ellipse((x, y), (0.0, 0.5), (0.04, 0.5), px)  # spine
    density -= 0.12 * ellipse((x, y), (0.0, 0.16), (0.016, 0.15), px)  # trachea
    density -= 0.16 * ellipse((x, y), (0.17, a.dome_y[1] + 0.06), (0.06, 0.03), 2 * px)  # gastric bubble
    density += _ribs_and_clavicles(canvas, px)
    canvas.density = density.astype(np.float32)
    hilum_dist = np.minimum(np.hypot(x + 0.09, y - 0.45), np.hypot(x - 0.09, y - 0.45))
    texture = np.clip(smooth_noise(rng, canvas.shape, 48), 0, None) + 0.5 * np.clip(
        smooth_noise(rng, canvas.shape, 20), 0, None)
    canvas.markings = (0.05 * texture * np.clip(1.2 - 2.5 * hilum_dist, 0.3, 1.0) * lungs * (1 - heart)).astype(np.float32)
    canvas.marking_gain = np.ones(canvas.shape, dtype=np.float32)


def _ribs_and_clavicles(canvas: Canvas, px: float) -> np.ndarray:
    """Posterior ribs as curved bands over each hemithorax, and the clavicles."""
    a, x, y = canvas.anatomy, canvas.x, canvas.y
    ax = np.abs(x)
    inside = soft_inside(ax - canvas.rib_half_width(y), 2 * px) * soft_inside(0.03 - ax, 2 * px)
    bones = np.zeros(canvas.shape, dtype=np.float32)
    for i in range(10):
        centre = a.apex_y + a.rib_phase + 0.055 * i - 0.02 + 0.35 * (ax - 0.12) ** 2
        bones += np.exp(-(((y - centre) / 0.009) ** 2))
    bones = 0.09 * np.clip(bones, 0, 1) * inside * (y < 0.8)
    clavicle_y = 0.135 - 0.12 * (ax - 0.05)
    clavicle = np.exp(-(((y - clavicle_y) / 0.011) ** 2)) * (ax > 0.03) * (ax < 0.3)
    return (bones + 0.12 * clavicle).astype(np.float32)


def compose(canvas: Canvas) -> np.ndarray:
    """Final attenuation image [H, W] (before exposure and noise)."""
    assert canvas.density is not None and canvas.markings is not None and canvas.marking_gain is not None
    return canvas.density + canvas.markings * canvas.marking_gain
