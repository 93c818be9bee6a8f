"""The one interface every benchmarked encoder is wrapped into, whatever its origin.

:class:`EvalEncoder` takes images in [0, 1] (2D ``[B, C, H, W]``; 3D ``[B, C, X, Y, Z]`` windowed to
[0, 1]) and applies the model's own preprocessing (size, channels, mean/std from its weight card)
before the backbone, so a benchmark never hand-tunes inputs per model. Text is optional: image-only
encoders (timm, HF vision, open_clip image towers) can be probed and fine-tuned but not zero-shot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class Preprocessing:
    """Model-side input preparation taken from a weight card."""

    image_size: tuple[int, ...] | None = None  # spatial size the backbone expects; None = as given
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    channels: int = 1  # grey radiographs are repeated to 3 channels for RGB backbones
    hu_window: tuple[float, float] | None = None  # CT (low, high) HU the model was trained with; None = dataset's

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """``[B, C, *S]`` in [0, 1] -> ``[B, channels, *image_size]`` normalised."""
        spatial = images.shape[2:]
        if self.image_size is not None and tuple(spatial) != tuple(self.image_size):
            mode = "bilinear" if len(spatial) == 2 else "trilinear"
            images = F.interpolate(images, size=self.image_size, mode=mode, align_corners=False)
        if images.shape[1] != self.channels:
            images = images.mean(dim=1, keepdim=True).expand(-1, self.channels, *images.shape[2:])
        view = (1, -1) + (1,) * len(spatial)
        mean = torch.tensor(self.mean, dtype=images.dtype, device=images.device).view(view)
        std = torch.tensor(self.std, dtype=images.dtype, device=images.device).view(view)
        return (images - mean) / std


def resampled_positions(z_extent_mm: torch.Tensor, n_slices: int) -> torch.Tensor:
    """Slice centres ``[B, n]`` (mm from the volume's edge) of ``n`` slices resampled over ``[B]`` extents
    (the ``align_corners=False`` grid of ``F.interpolate``)."""
    centres = (torch.arange(n_slices, dtype=torch.float32) + 0.5) / n_slices  # [n]
    return centres[None] * torch.as_tensor(z_extent_mm, dtype=torch.float32).reshape(-1, 1)


TextFn = Callable[[Sequence[str]], torch.Tensor]  # texts -> [T, D] embeddings
PyramidFn = Callable[[torch.Tensor], list[torch.Tensor]]  # [B, C, H, W] -> [B, C_i, H_i, W_i] fine->coarse


class EvalEncoder(nn.Module):
    """A benchmarkable encoder: ``encode_image`` (+ ``encode_text`` and ``forward_pyramid`` if present).

    ``image_fn`` maps preprocessed images to embeddings ``[B, D]``; ``backbone`` is the trainable
    module (its parameters are what fine-tuning updates). ``identity`` names the weights for result
    caching (a name, or a checkpoint path plus its hash).
    """

    def __init__(
        self,
        name: str,
        backbone: nn.Module,
        image_fn: Callable[[torch.Tensor], torch.Tensor],
        embed_dim: int,
        preprocessing: Preprocessing | None = None,
        text_fn: TextFn | None = None,
        pyramid_fn: PyramidFn | None = None,
        logit_scale: float = 100.0,
        identity: str | None = None,
        spatial_dims: int | None = None,
        takes_slice_positions: bool = False,
    ) -> None:
        super().__init__()
        self.name = name
        self.backbone = backbone
        self._image_fn = image_fn
        self._text_fn = text_fn
        self._pyramid_fn = pyramid_fn
        self.embed_dim = embed_dim
        self.preprocessing = preprocessing or Preprocessing()
        self.logit_scale = logit_scale
        self.identity = identity or name
        self.spatial_dims = spatial_dims  # 2 or 3; None = unknown (not checked against datasets)
        self.takes_slice_positions = takes_slice_positions  # image_fn(x, slice_positions=[B, Z] mm)

    @property
    def has_text(self) -> bool:
        return self._text_fn is not None

    @property
    def has_pyramid(self) -> bool:
        return self._pyramid_fn is not None

    def encode_image(self, images: torch.Tensor, z_extent_mm: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, C, *S]`` in [0, 1] -> embeddings ``[B, D]`` (not normalised; callers normalise).

        ``z_extent_mm [B]``: each volume's z extent; an encoder that codes slice positions then gets the
        mm positions of the (resampled) slices it is given, evenly spread over that extent.
        """
        x = self.preprocessing(images)
        if z_extent_mm is None or not self.takes_slice_positions:
            return self._image_fn(x)
        return self._image_fn(x, slice_positions=resampled_positions(z_extent_mm, int(x.shape[-1])))  # type: ignore[call-arg]

    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        """``T`` strings -> ``[T, D]``; raises if the model has no text tower."""
        if self._text_fn is None:
            raise TypeError(f"model {self.name!r} has no text encoder")
        return self._text_fn(list(texts))

    def forward_pyramid(self, images: torch.Tensor) -> list[torch.Tensor]:
        """``[B, C, H, W]`` in [0, 1] -> feature maps ``[B, C_i, H_i, W_i]``, finest first."""
        if self._pyramid_fn is None:
            raise TypeError(f"model {self.name!r} exposes no feature pyramid")
        return self._pyramid_fn(self.preprocessing(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.encode_image(images)
