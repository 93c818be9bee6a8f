"""Lateral (LL) chest radiograph phantom: anterior on the image left, spine on the right."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Finding
from medvlp.data.synthetic.grid import ellipse, smooth_noise, soft_inside
from medvlp.data.synthetic.phantom_cxr import Anatomy

MM_PER_UNIT = 400.0


def draw_lateral(anatomy: Anatomy, findings: list[Finding], rows: int, cols: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Attenuation image [rows, cols] of a lateral view with the study's visible findings."""
    yy, xx = np.meshgrid(np.arange(rows, dtype=np.float32), np.arange(cols, dtype=np.float32), indexing="ij")
    x = ((xx + 0.5 - cols / 2) / rows - anatomy.shift_x) / anatomy.scale
    y = ((yy + 0.5) / rows - 0.5 - anatomy.shift_y) / anatomy.scale + 0.5
    px = 1.0 / rows
    labels = {f.label: f for f in findings}
    density = 0.04 + 0.5 * ellipse((x, y), (0.0, 0.55), (0.3, 0.7), 3 * px)
    dome = min(anatomy.dome_y) + 0.04 + 0.25 * x**2 + 0.08 * x
    lung = ellipse((x, y), (0.0, 0.45), (0.22, 0.36), 2 * px) * soft_inside(y - dome, 2 * px)
    heart_scale = anatomy.ctr / 0.42
    heart = ellipse((x, y), (-0.09, dome.mean() - 0.1), (0.1 * heart_scale, 0.12 * heart_scale ** 0.5), 2 * px)
    density = density - 0.32 * lung * (1 - 0.8 * heart) + 0.05 * heart
    spine = soft_inside(np.abs(x - 0.2) - 0.035, px) * (0.5 + 0.5 * (np.sin(y * 2 * np.pi / 0.05) > -0.6))
    density += 0.12 * spine + 0.1 * soft_inside(np.abs(x + 0.24) - 0.008, px) * (y > 0.2) * (y < 0.6)
    density += 0.04 * np.clip(smooth_noise(rng, (rows, cols), 40), 0, None) * lung
    if "Pleural Effusion" in labels:  # fluid in the posterior costophrenic sulcus
        level = dome.max() - 0.06 * (1.5 if labels["Pleural Effusion"].severity == "large" else 1.0)
        density += 0.32 * lung * soft_inside(level - y - 0.25 * (x - 0.2), 0.01) * (x > 0.0)
    for name in ("Consolidation", "Lung Opacity", "Pneumonia", "Edema"):
        if name in labels:
            blob = np.clip(smooth_noise(rng, (rows, cols), 5) - 0.3, 0, 1)
            density += 0.2 * lung * blob
    if "Lung Lesion" in labels:
        r = labels["Lung Lesion"].size_mm / 2 / MM_PER_UNIT
        cx, cy = float(rng.uniform(-0.1, 0.1)), float(rng.uniform(0.3, 0.5))
        density += 0.3 * ellipse((x, y), (cx, cy), (r, r), 0.004)
    return density.astype(np.float32)
