"""Chest CT body phantom in Hounsfield units.

Array ``[X, Y, Z]`` in DICOM patient order: X runs to the patient's left, Y to posterior, Z to
superior (LPS). Millimetre coordinates ``u`` (left +), ``v`` (posterior +), ``w`` (up from the lowest
slice) are centred in-plane on the image centre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medvlp.data.synthetic.grid import ellipse, ellipse_radius, smooth_noise

AIR, LUNG, FAT, SOFT, BLOOD, BONE_CORTEX, BONE_MARROW = -1000.0, -850.0, -100.0, 40.0, 50.0, 800.0, 300.0


@dataclass
class BodyGeometry:
    """Patient size and organ placement (mm)."""

    body_half: tuple[float, float]  # lateral, AP half-axes of the body outline
    lung_half: tuple[float, float, float]  # lateral, AP, vertical half-axes of each lung
    lung_centre_u: float
    dome_w: float  # height of the diaphragm domes above the lowest slice
    heart_half: tuple[float, float, float]
    heart_centre: tuple[float, float, float]


@dataclass
class Grid3D:
    """Millimetre coordinate grids of the volume (broadcastable [X,1,1], [1,Y,1], [1,1,Z])."""

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]


def make_grid(shape: tuple[int, int, int], spacing: tuple[float, float, float]) -> Grid3D:
    nx, ny, nz = shape
    u = ((np.arange(nx) + 0.5 - nx / 2) * spacing[0]).astype(np.float32)[:, None, None]
    v = ((np.arange(ny) + 0.5 - ny / 2) * spacing[1]).astype(np.float32)[None, :, None]
    w = ((np.arange(nz) + 0.5) * spacing[2]).astype(np.float32)[None, None, :]
    return Grid3D(u=u, v=v, w=w, shape=shape, spacing=spacing)


def sample_geometry(rng: np.random.Generator, grid: Grid3D) -> BodyGeometry:
    """Body size scaled to the field of view so the thorax always fits."""
    fov = grid.shape[0] * grid.spacing[0]
    height = grid.shape[2] * grid.spacing[2]
    s = float(rng.uniform(0.88, 1.0))
    body = (0.42 * fov * s, 0.31 * fov * s)
    lung = (0.17 * fov * s, 0.22 * fov * s, 0.55 * height)
    dome = float(rng.uniform(0.18, 0.26)) * height
    heart = (0.14 * fov * s, 0.12 * fov * s, 0.2 * height)
    return BodyGeometry(body_half=body, lung_half=lung, lung_centre_u=0.19 * fov * s, dome_w=dome,
                        heart_half=heart, heart_centre=(0.04 * fov, -0.06 * fov, dome + 0.12 * height))


def lung_mask(grid: Grid3D, geo: BodyGeometry, side: str) -> np.ndarray:
    """Soft mask of one lung: an ellipsoid cut by the diaphragm dome below. [X, Y, Z]"""
    sign = 1.0 if side == "left" else -1.0
    lu, lv, lw = geo.lung_half
    base = ellipse((grid.u, grid.v, grid.w), (sign * geo.lung_centre_u, 0.02 * lv, geo.dome_w + 0.5 * lw),
                   (lu, lv, lw * 1.1), grid.spacing[0])
    # The dome is highest under the lung centre and falls towards the lateral and posterior recesses.
    bowl = 1 - ((grid.u - sign * geo.lung_centre_u) / lu) ** 2 - ((grid.v + 0.2 * lv) / (1.1 * lv)) ** 2
    dome = geo.dome_w + 0.3 * lw * np.clip(bowl, 0, 1) - 0.1 * lw
    return base * (grid.w > dome)


def draw_body(grid: Grid3D, geo: BodyGeometry, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """HU volume [X, Y, Z] of the normal chest and the masks findings need."""
    u, v, w, sp = grid.u, grid.v, grid.w, grid.spacing[0]
    bu, bv = geo.body_half
    shape = grid.shape
    hu: np.ndarray = np.full(shape, AIR, dtype=np.float32)
    body = ellipse((u, v), (0.0, 0.0), (bu, bv), sp) * np.ones((1, 1, shape[2]), np.float32)
    inner = ellipse((u, v), (0.0, 0.0), (bu - 14, bv - 12), sp) * np.ones((1, 1, shape[2]), np.float32)
    hu = hu + body * (FAT - AIR) + inner * (SOFT - FAT)
    below = (w < geo.dome_w + 10).astype(np.float32) * inner
    hu += below * 15.0  # liver / upper abdomen slightly denser
    lungs = {s: lung_mask(grid, geo, s) for s in ("right", "left")}
    both = np.clip(lungs["right"] + lungs["left"], 0, 1)
    texture = 25.0 * smooth_noise(rng, shape, 24)
    vessels = np.clip(smooth_noise(rng, shape, 40) - 1.6, 0, None) * 500.0
    hu = hu * (1 - both) + both * (LUNG + texture + vessels)
    mediastinum = ellipse((u, v), (0.0, -0.1 * bv), (0.09 * bu / 0.42 * 0.5 + 18, bv * 0.75), sp) * (w > geo.dome_w)
    hu = np.where(mediastinum * (1 - both) > 0.5, FAT + 20, hu)
    hu = _organs(hu, grid, geo)
    ribs = _ribs(grid, geo)
    hu = np.where(ribs > 0.5, BONE_CORTEX * 0.8, hu)
    table = (np.abs(v - (bv + 12)) < 3) * (np.abs(u) < bu * 1.1)
    hu = np.where(table, 150.0, hu)
    return hu.astype(np.float32), {"right": lungs["right"], "left": lungs["left"], "body": body}


def _organs(hu: np.ndarray, grid: Grid3D, geo: BodyGeometry) -> np.ndarray:
    u, v, w = grid.u, grid.v, grid.w
    bv = geo.body_half[1]
    heart = ellipse_radius((u, v, w), geo.heart_centre, geo.heart_half)
    hu = np.where((heart < 1.18) & (heart >= 1.0), FAT, hu)  # epicardial fat
    hu = np.where(heart < 1.0, BLOOD, hu)
    top = geo.heart_centre[2] + geo.heart_half[2]
    desc = ellipse_radius((u, v), (22.0, 0.45 * bv), (12.0, 12.0)) < 1
    asc = (ellipse_radius((u, v), (-5.0, -0.25 * bv), (15.0, 15.0)) < 1) & (w > top - 10)
    hu = np.where(desc | asc, BLOOD, hu)
    spine_r = ellipse_radius((u, v), (0.0, 0.72 * bv), (17.0, 15.0))
    hu = np.where(spine_r < 1.0, np.where(spine_r > 0.75, BONE_CORTEX, BONE_MARROW), hu)
    canal = ellipse_radius((u, v), (0.0, 0.72 * bv + 22), (7.0, 6.0)) < 1
    hu = np.where(canal, 10.0, hu)
    trachea = (ellipse_radius((u, v), (0.0, 0.05 * bv), (9.0, 8.0)) < 1) & (w > top + 5)
    hu = np.where(trachea, AIR, hu)
    sternum = (ellipse_radius((u, v), (0.0, -0.92 * bv), (12.0, 5.0)) < 1) & (w > geo.dome_w)
    return np.where(sternum, BONE_MARROW + 200, hu)


def _ribs(grid: Grid3D, geo: BodyGeometry) -> np.ndarray:
    """Rib cross-sections: short arcs just inside the body wall, repeating every ~25 mm in height."""
    u, v, w = grid.u, grid.v, grid.w
    bu, bv = geo.body_half
    r = ellipse_radius((u, v), (0.0, 0.0), (bu - 16, bv - 14))
    angle = np.arctan2(v, u)
    ring = (r > 0.93) & (r < 1.03) & (np.abs(np.sin(angle)) < 0.97)
    phase = np.sin(2 * np.pi * (w / 26.0) + 3.0 * angle)
    return (ring & (phase > 0.55) & (w > geo.dome_w - 20)).astype(np.float32)
