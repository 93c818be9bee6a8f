"""Painters that draw each CT finding into the HU volume, with the sampled size (mm) and contrast (HU)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.grid import ellipse, ellipse_radius, smooth_noise, soft_inside
from medvlp.data.synthetic.phantom_ct import FAT, LUNG, BodyGeometry, Grid3D
from medvlp.registry import Registry

CT_PAINTERS: Registry[None] = Registry("ct finding painter")


@dataclass
class Scene:
    hu: np.ndarray  # [X, Y, Z] HU, painted in place
    grid: Grid3D
    geo: BodyGeometry
    masks: dict[str, np.ndarray]


def _sides(f: Finding) -> list[str]:
    return ["right", "left"] if f.side in ("bilateral", "") else [f.side]


def _blend(scene: Scene, mask: np.ndarray, value: float | np.ndarray) -> None:
    scene.hu[...] = scene.hu * (1 - mask) + mask * value


def _lung_point(scene: Scene, side: str, zone: str, margin_mm: float, rng: np.random.Generator) -> tuple[float, ...]:
    """A random point deep inside a lung (at least ``margin_mm`` from its border) in the upper/lower half."""
    g = scene.grid
    lung = scene.masks[side] > 0.99
    mid = scene.geo.dome_w + 0.45 * scene.geo.lung_half[2]
    half = (g.w > mid) if zone == "upper" else (g.w <= mid)
    from scipy import ndimage

    deep = ndimage.binary_erosion(lung, iterations=max(1, int(margin_mm / g.spacing[0]))) & half
    idx = np.flatnonzero(deep) if deep.any() else np.flatnonzero(lung)
    i, j, k = np.unravel_index(int(idx[int(rng.integers(len(idx)))]), g.shape)
    return float(g.u[i, 0, 0]), float(g.v[0, j, 0]), float(g.w[0, 0, k])


@CT_PAINTERS.register("Lung Nodule")
def paint_nodule(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    r = f.size_mm / 2
    centre = _lung_point(s, _sides(f)[0], f.lobe, r + 4, rng)
    _blend(s, ellipse((s.grid.u, s.grid.v, s.grid.w), centre, (r, r, r), s.grid.spacing[0]), LUNG + f.contrast_hu)


@CT_PAINTERS.register("Pleural Effusion")
def paint_pleural_effusion(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Dependent (posterior) fluid of depth ``size_mm`` in the lower lung."""
    posterior = s.geo.lung_half[1] * 1.02 - f.size_mm
    for side in _sides(f):
        fluid = s.masks[side] * soft_inside(posterior - s.grid.v, s.grid.spacing[1])
        _blend(s, fluid, LUNG + f.contrast_hu)


@CT_PAINTERS.register("Emphysema")
def paint_emphysema(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Clustered holes of ~``size_mm`` and ``contrast_hu`` below lung, upper-lobe predominant."""
    g = s.grid
    cells = max(4, int(g.shape[0] * g.spacing[0] / f.size_mm / 1.5))
    holes = np.clip((smooth_noise(rng, g.shape, cells) - 0.6) * 3, 0, 1)
    upper = soft_inside(s.geo.dome_w + 0.4 * s.geo.lung_half[2] - g.w, 10.0)
    lungs = s.masks["right"] + s.masks["left"]
    _blend(s, holes * upper * (lungs > 0.99), np.maximum(LUNG - f.contrast_hu, -1000.0))


def _lobar(s: Scene, f: Finding, rng: np.random.Generator, cells: int, cut: float) -> None:
    g = s.grid
    for side in _sides(f):
        centre = _lung_point(s, side, f.lobe, 5, rng)
        region = ellipse((g.u, g.v, g.w), centre, (f.size_mm / 2,) * 3, g.spacing[0]) * s.masks[side]
        patch = region * np.clip((smooth_noise(rng, g.shape, cells) - cut) * 2, 0, 1)
        _blend(s, patch, LUNG + f.contrast_hu)


@CT_PAINTERS.register("Consolidation")
def paint_consolidation(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    _lobar(s, f, rng, cells=6, cut=-1.5)


@CT_PAINTERS.register("Atelectasis")
def paint_atelectasis(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Dependent band of collapsed lung of thickness ``size_mm`` along the posterior wall."""
    g = s.grid
    back = s.geo.lung_half[1] * 0.95 - f.size_mm
    low = soft_inside(g.w - (s.geo.dome_w + 0.5 * s.geo.lung_half[2]), 10.0)
    for side in _sides(f):
        band = s.masks[side] * soft_inside(back - g.v, g.spacing[1]) * low
        _blend(s, band, LUNG + f.contrast_hu)


def _heart_radius(s: Scene, grow: float = 1.0) -> np.ndarray:
    g = s.grid
    return ellipse_radius((g.u, g.v, g.w), s.geo.heart_centre, tuple(h * grow for h in s.geo.heart_half))


@CT_PAINTERS.register("Pericardial Effusion")
def paint_pericardial(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """A fluid rim of thickness ``size_mm`` around the heart (fat at -100 -> fluid at -100 + contrast)."""
    r = _heart_radius(s)
    rim = (r >= 1.0) & (r < 1.0 + f.size_mm / s.geo.heart_half[0])
    _blend(s, rim.astype(np.float32), FAT + f.contrast_hu)


@CT_PAINTERS.register("Lymphadenopathy")
def paint_nodes(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Enlarged nodes (short axis ``size_mm``) in the upper mediastinum and hila."""
    g, geo = s.grid, s.geo
    top = geo.heart_centre[2] + geo.heart_half[2]
    for _ in range(int(rng.integers(1, 4))):
        c = (float(rng.uniform(-30, 30)), float(rng.uniform(-25, 5)), float(rng.uniform(top - 10, top + 30)))
        r = f.size_mm / 2
        _blend(s, ellipse((g.u, g.v, g.w), c, (r, r, r * 1.4), g.spacing[0]), FAT + f.contrast_hu)


@CT_PAINTERS.register("Arterial Wall Calcification")
def paint_calcification(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Bright plaques on the descending aorta wall and along the heart surface (coronaries)."""
    g, bv = s.grid, s.geo.body_half[1]
    for _ in range(int(rng.integers(2, 6))):
        ang = float(rng.uniform(0, 2 * np.pi))
        c = (22 + 12 * np.cos(ang), 0.45 * bv + 12 * np.sin(ang), float(rng.uniform(0.2, 0.9)) * g.w.max())
        r = f.size_mm / 2
        _blend(s, ellipse((g.u, g.v, g.w), c, (r, r, r), 1.0), 50.0 + f.contrast_hu)


@CT_PAINTERS.register("Hiatal Hernia")
def paint_hernia(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Stomach above the diaphragm behind the heart: fluid with an air cap."""
    g, geo = s.grid, s.geo
    r = f.size_mm / 2
    c = (10.0, 0.45 * geo.body_half[1] - r - 6, geo.dome_w + r * 0.8)
    sac = ellipse((g.u, g.v, g.w), c, (r, r * 0.8, r), g.spacing[0])
    _blend(s, sac, 20.0)
    _blend(s, sac * (g.w > c[2] + 0.4 * r), -900.0)


@CT_PAINTERS.register("Cardiomegaly")
def paint_cardiomegaly(s: Scene, f: Finding, rng: np.random.Generator) -> None:
    """Nothing to paint: :func:`prepare_geometry` already enlarged the heart."""


def prepare_geometry(geo: BodyGeometry, findings: list[Finding]) -> None:
    """Cardiomegaly sets the heart's transverse diameter to ``size_mm``."""
    for f in findings:
        if f.label == "Cardiomegaly":
            scale = f.size_mm / (2 * geo.heart_half[0])
            k = max(scale, 1.15)
            geo.heart_half = (geo.heart_half[0] * k, geo.heart_half[1] * k, geo.heart_half[2] * k)
            f.size_mm = round(2 * geo.heart_half[0], 1)  # record what was drawn
