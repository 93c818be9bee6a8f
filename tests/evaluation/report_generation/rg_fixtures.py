"""In-memory splits whose images show the findings their reports state (so a decoder can learn).

A plain module (not conftest.py): test folders have no __init__.py, so helper names must be unique."""

from __future__ import annotations

import numpy as np
import torch

from medvlp.evaluation.data import EvalSplit
from medvlp.knowledge.findings import CHEXPERT

HEART = {True: "The heart is enlarged.", False: "Heart size is normal."}
EFFUSION = {True: "There is a pleural effusion.", False: "No pleural effusion."}


def make_split(n_studies: int, seed: int, size: int = 16, views: int = 2) -> EvalSplit:
    """Studies of ``views`` noisy views; cardiomegaly brightens the centre, effusion the bottom rows."""
    rng = np.random.default_rng(seed)
    images, patients, studies, reports = [], [], [], []
    for s in range(n_studies):
        heart, effusion = bool(rng.integers(0, 2)), bool(rng.integers(0, 2))
        report = f"{HEART[heart]} {EFFUSION[effusion]}"
        for _ in range(views):
            image = rng.uniform(0.0, 0.2, (size, size))
            if heart:
                image[size // 4: 3 * size // 4, size // 4: 3 * size // 4] += 0.6
            if effusion:
                image[-size // 4:, :] += 0.6
            images.append(image)
            patients.append(f"p{seed}-{s}")
            studies.append(f"s{seed}-{s}")
            reports.append(report)
    labels = np.full((len(images), len(CHEXPERT.labels)), np.nan)
    tensor = torch.as_tensor(np.stack(images), dtype=torch.float32)[:, None].clamp(0, 1)
    return EvalSplit(tensor, labels, list(CHEXPERT.labels), patients, studies, reports)
