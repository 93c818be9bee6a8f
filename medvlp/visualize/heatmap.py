"""Patch-text similarity maps: how strongly each image token matches a finding's text embedding."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def token_grid(n_tokens: int, image_shape: tuple[int, ...]) -> tuple[int, int]:
    """Grid ``(h, w)`` of ``n_tokens`` 2D tokens for an ``[H, W]`` image (square or aspect-matched)."""
    height, width = image_shape[0], image_shape[1]
    h = max(1, round(math.sqrt(n_tokens * height / width)))
    if n_tokens % h:
        raise ValueError(f"{n_tokens} image tokens do not form a grid for an image of shape {image_shape}")
    return h, n_tokens // h


def similarity_map(tokens: torch.Tensor, text: torch.Tensor, image_shape: tuple[int, ...]) -> np.ndarray:
    """Cosine similarity of every token with ``text``, laid out over the image.

    tokens: ``[N, D]`` L2-normalised projected image tokens; text: ``[D]`` normalised embedding.
    2D images (``image_shape`` = ``(H, W)``): the ``[h, w]`` token grid upsampled bilinearly to
    ``[H, W]``. Volumes (``(X, Y, Z)``) with one token per slice: ``[Z]`` per-slice similarity.
    """
    sims = tokens.float() @ F.normalize(text.float(), dim=-1)  # [N]
    if len(image_shape) == 3:
        return sims.numpy()
    h, w = token_grid(sims.numel(), image_shape)
    grid = sims.reshape(1, 1, h, w)
    return F.interpolate(grid, size=tuple(image_shape), mode="bilinear", align_corners=False)[0, 0].numpy()
