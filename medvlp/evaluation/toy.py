"""A tiny randomly initialised vision-language encoder for smoke tests and performance runs.

It needs no weights: a small CNN (2D or 3D) image tower with a 4-level feature pyramid and a hashed
bag-of-words text tower. Useful to exercise every task end to end; its scores mean nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import torch
from torch import nn

from medvlp.evaluation.encoders import EvalEncoder, Preprocessing


class ToyImageTower(nn.Module):
    """``[B, 1, *S]`` -> pooled ``[B, D]``; ``pyramid`` gives 4 maps ``[B, C_i, *S / 2^(i+1)]``."""

    def __init__(self, dim: int = 32, spatial_dims: int = 2, width: int = 8) -> None:
        super().__init__()
        conv = nn.Conv2d if spatial_dims == 2 else nn.Conv3d
        chans = [1, width, 2 * width, 4 * width, 8 * width]
        self.stages = nn.ModuleList(
            nn.Sequential(conv(chans[i], chans[i + 1], 3, stride=2, padding=1), nn.ReLU()) for i in range(4)
        )
        self.proj = nn.Linear(chans[-1], dim)

    def pyramid(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = []
        for stage in self.stages:
            x = stage(x)
            maps.append(x)
        return maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.pyramid(x)[-1].flatten(2).mean(-1))


class HashedTextTower(nn.Module):
    """Lower-cased words hashed (CRC32) into ``buckets`` -> mean embedding -> ``[T, D]``."""

    def __init__(self, dim: int = 32, buckets: int = 4096) -> None:
        super().__init__()
        self.buckets = buckets
        self.embed = nn.EmbeddingBag(buckets, dim, mode="mean")

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        ids: list[int] = []
        offsets: list[int] = []
        for text in texts:
            offsets.append(len(ids))
            words = text.lower().split() or [""]
            ids.extend(zlib.crc32(w.encode()) % self.buckets for w in words)
        return self.embed(torch.tensor(ids), torch.tensor(offsets))


def toy_encoder(dim: int = 32, spatial_dims: int = 2, seed: int = 0, name: str = "toy") -> EvalEncoder:
    """A seeded toy encoder with text and (2D) pyramid support."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        image, text = ToyImageTower(dim, spatial_dims), HashedTextTower(dim)
    towers = nn.ModuleDict({"image": image, "text": text})
    return EvalEncoder(name, towers, image, dim, Preprocessing(), text_fn=text,
                       pyramid_fn=image.pyramid if spatial_dims == 2 else None, logit_scale=10.0,
                       identity=f"{name}:d{dim}:s{spatial_dims}:seed{seed}", spatial_dims=spatial_dims)
