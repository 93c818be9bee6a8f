"""The one interface every image encoder shares, and the ``ENCODERS`` registry.

Encoders take pixels in [0, 1] (2D radiographs, or CT windowed to [0, 1]) and apply their own
mean/std normalisation, so a checkpoint's preprocessing travels with it (weight card). 2D encoders
take ``[B, C, H, W]``; 3D-capable ones take ``[B, C, X, Y, Z]`` (slices along the last axis) and treat
a 2D image as a volume with one slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from medvlp.errors import ConfigError
from medvlp.registry import Registry


@dataclass
class ImageEncoderOutput:
    """What every image encoder returns.

    pooled: ``[B, D]`` global embedding (before any VLP projection).
    tokens: ``[B, N, D]`` local features (patches, feature-map cells or slices), or None.
    token_mask: ``bool [B, N]`` True for real tokens (padded slices are False), or None = all real.
    slice_attention: ``[B, Z]`` pooling weight of each slice (slice-pooling encoders), or None.
    """

    pooled: Tensor
    tokens: Tensor | None = None
    token_mask: Tensor | None = None
    slice_attention: Tensor | None = None


class ImageEncoder(nn.Module):
    """Base class: normalisation, freezing and the attributes the VLP model relies on.

    Subclasses set ``embed_dim`` (width of ``pooled``/``tokens``), ``pyramid_dims`` (channels of the
    four ``forward_pyramid`` levels, fine to coarse) and ``spatial_dims`` (2 or 3), and implement
    ``encode`` (normalised input) and ``pyramid``.
    """

    embed_dim: int
    pyramid_dims: tuple[int, int, int, int]
    spatial_dims: int
    pixel_mean: Tensor
    pixel_std: Tensor

    def __init__(self, mean: float | Sequence[float] = 0.0, std: float | Sequence[float] = 1.0) -> None:
        super().__init__()
        mean_t = torch.as_tensor(mean, dtype=torch.float32).reshape(-1)
        std_t = torch.as_tensor(std, dtype=torch.float32).reshape(-1)
        if bool((std_t <= 0).any()):
            raise ConfigError(f"image std must be positive, got {std_t.tolist()}")
        # Not persistent: preprocessing lives in the config / weight card, not in state dicts, so
        # third-party checkpoints (timm, MONAI) load without "missing key" noise.
        self.register_buffer("pixel_mean", mean_t, persistent=False)
        self.register_buffer("pixel_std", std_t, persistent=False)
        self.grad_checkpointing = False

    @property
    def normalization(self) -> dict[str, list[float]]:
        return {"mean": self.pixel_mean.tolist(), "std": self.pixel_std.tolist()}

    def normalize(self, images: Tensor) -> Tensor:
        """``(x - mean) / std`` per channel; works for ``[B, C, H, W]`` and ``[B, C, X, Y, Z]``."""
        shape = (1, -1) + (1,) * (images.ndim - 2)
        mean = self.pixel_mean.to(images.dtype).reshape(shape)
        std = self.pixel_std.to(images.dtype).reshape(shape)
        return (images - mean) / std

    def as_input(self, images: Tensor) -> Tensor:
        """Check rank; 3D encoders see a 2D batch as volumes with one slice."""
        if images.ndim == 4 and self.spatial_dims == 3:
            return images.unsqueeze(-1)
        if images.ndim != self.spatial_dims + 2:
            raise ValueError(
                f"{type(self).__name__} expects [B, C, {'H, W' if self.spatial_dims == 2 else 'X, Y, Z'}], "
                f"got shape {tuple(images.shape)}"
            )
        return images

    def forward(
        self,
        images: Tensor,
        slice_mask: Tensor | None = None,
        slice_positions: Tensor | None = None,
        **kwargs: Any,
    ) -> ImageEncoderOutput:
        """images ``[B, C, H, W]`` or ``[B, C, X, Y, Z]`` in [0, 1] -> :class:`ImageEncoderOutput`."""
        return self.encode(self.normalize(self.as_input(images)), slice_mask, slice_positions, **kwargs)

    def forward_pyramid(self, images: Tensor) -> list[Tensor]:
        """Four feature maps, fine to coarse: ``[B, C_i, h_i, w_i]`` (2D) or ``[B, C_i, x_i, y_i, z_i]``."""
        return self.pyramid(self.normalize(self.as_input(images)))

    def encode(
        self, images: Tensor, slice_mask: Tensor | None, slice_positions: Tensor | None, **kwargs: Any
    ) -> ImageEncoderOutput:
        raise NotImplementedError

    def pyramid(self, images: Tensor) -> list[Tensor]:
        raise NotImplementedError

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Recompute activations in backward to bound memory (same gradients)."""
        self.grad_checkpointing = enable

    def freeze(self) -> None:
        """Stop gradients and keep normalisation statistics fixed (eval mode survives ``.train()``)."""
        for p in self.parameters():
            p.requires_grad_(False)
        self.frozen = True
        self.eval()

    def train(self, mode: bool = True) -> ImageEncoder:
        # A frozen encoder stays in eval mode so BatchNorm running stats and dropout don't drift.
        return super().train(mode and not getattr(self, "frozen", False))


ENCODERS: Registry[ImageEncoder] = Registry("image encoder")


def create_encoder(name: str, /, **kwargs: Any) -> ImageEncoder:
    """Build a registered image encoder by name: ``create_encoder("resnet50", mean=0.5, std=0.25)``."""
    return ENCODERS.create(name, **kwargs)
