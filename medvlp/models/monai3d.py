"""Native 3D image encoders built from MONAI networks: 3D ResNet, 3D ViT, the SwinUNETR Swin encoder.

All take ``[B, C, X, Y, Z]`` in [0, 1] (CT windowed beforehand). A slice mask, when given, crops the
batch to its last real slice: convolutions cannot ignore padding inside their receptive field, so
natively-3D models are only exactly padding-invariant for the trailing padding they never see.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from monai.networks.blocks.selfattention import SABlock
from monai.networks.nets import ViT
from monai.networks.nets.resnet import ResNet
from monai.networks.nets.swin_unetr import SwinTransformer
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from medvlp.models.image_base import ENCODERS, ImageEncoder, ImageEncoderOutput


def crop_padded_slices(images: Tensor, slice_mask: Tensor | None) -> Tensor:
    """Drop trailing slices that are padding in every volume of the batch. images ``[B, C, X, Y, Z]``."""
    if slice_mask is None:
        return images
    real = slice_mask.bool().any(0).nonzero()
    if real.numel() == 0:
        raise ValueError("slice_mask marks every slice of every volume as padding")
    return images[..., : int(real.max()) + 1]


def map_to_tokens(features: Tensor) -> Tensor:
    """``[B, D, x, y, z]`` -> ``[B, x*y*z, D]``."""
    return features.flatten(2).transpose(1, 2)


def _size(value: int | Sequence[int]) -> Any:
    """An int or a per-axis tuple, as MONAI accepts (lists from JSON configs become tuples)."""
    return tuple(value) if isinstance(value, Sequence) else value


class MonaiEncoder(ImageEncoder):
    """Shared plumbing: optional weights from a local MONAI state dict, tokens and pooled from a map."""

    spatial_dims = 3
    net: Any  # the MONAI network; Any because its sub-blocks are reached by attribute

    def load(self, weights: str | Path | None, min_loaded: float) -> None:
        if weights is not None:
            from medvlp.models.weights import load_weights, read_state_dict

            load_weights(self.net, read_state_dict(weights), min_loaded=min_loaded, source=weights)

    def encode(
        self, images: Tensor, slice_mask: Tensor | None, slice_positions: Tensor | None, **kwargs: Any
    ) -> ImageEncoderOutput:
        last = self.pyramid(crop_padded_slices(images, slice_mask))[-1]
        tokens = map_to_tokens(last)
        return ImageEncoderOutput(pooled=tokens.mean(1), tokens=tokens)


class ResNet3DEncoder(MonaiEncoder):
    """MONAI 3D ResNet trunk (no classifier). ``conv1_stride`` e.g. ``(2, 2, 1)`` keeps thin-z resolution."""

    def __init__(
        self,
        block: str = "basic",
        layers: Sequence[int] = (2, 2, 2, 2),
        block_inplanes: Sequence[int] = (64, 128, 256, 512),
        conv1_size: int | Sequence[int] = 7,
        conv1_stride: int | Sequence[int] = 2,
        no_max_pool: bool = False,
        in_chans: int = 1,
        norm: str = "batch",
        weights: str | Path | None = None,
        min_loaded: float = 1.0,
        mean: float = 0.5,
        std: float = 0.25,
    ) -> None:
        super().__init__(mean, std)
        self.net = ResNet(
            block, list(layers), list(block_inplanes), spatial_dims=3, n_input_channels=in_chans,
            conv1_t_size=_size(conv1_size), conv1_t_stride=_size(conv1_stride),
            no_max_pool=no_max_pool, feed_forward=False, norm=norm,
        )
        expansion = 4 if block == "bottleneck" else 1
        self.pyramid_dims = tuple(c * expansion for c in block_inplanes)  # type: ignore[assignment]
        self.embed_dim = self.pyramid_dims[-1]
        self.load(weights, min_loaded)

    def pyramid(self, images: Tensor) -> list[Tensor]:
        net = self.net
        x = net.act(net.bn1(net.conv1(images)))
        if not net.no_max_pool:
            x = net.maxpool(x)
        levels = []
        for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
            use_ckpt = self.grad_checkpointing and torch.is_grad_enabled()
            x = checkpoint(layer, x, use_reentrant=False) if use_ckpt else layer(x)
            levels.append(x)
        return levels


class ViT3DEncoder(MonaiEncoder):
    """MONAI ViT on 3D patches with PyTorch fused attention (``scaled_dot_product_attention``).

    Inputs whose size differs from ``img_size`` (e.g. a 2D image as a one-slice volume) are resampled
    trilinearly to it, because the learnable position embedding is tied to the patch grid.
    """

    def __init__(
        self,
        img_size: Sequence[int] = (96, 96, 96),
        patch_size: Sequence[int] = (16, 16, 16),
        hidden_size: int = 768,
        mlp_dim: int = 3072,
        num_layers: int = 12,
        num_heads: int = 12,
        in_chans: int = 1,
        fused_attention: bool = True,
        weights: str | Path | None = None,
        min_loaded: float = 1.0,
        mean: float = 0.5,
        std: float = 0.25,
    ) -> None:
        super().__init__(mean, std)
        self.img_size = tuple(img_size)
        self.grid = tuple(s // p for s, p in zip(img_size, patch_size))
        # dropout 0: MONAI's fused path would apply attention dropout even in eval mode.
        self.net = ViT(in_chans, img_size, patch_size, hidden_size, mlp_dim, num_layers, num_heads,
                       classification=False, dropout_rate=0.0, qkv_bias=True, spatial_dims=3)
        for attention in self.net.modules():
            if isinstance(attention, SABlock):  # save_attn stays False: incompatible with fused attention
                attention.use_flash_attention = fused_attention
        step = num_layers / 4
        self.pyramid_blocks = [max(0, math.ceil(step * (i + 1)) - 1) for i in range(4)]
        self.embed_dim = hidden_size
        self.pyramid_dims = (hidden_size,) * 4
        self.load(weights, min_loaded)

    def sequence(self, images: Tensor) -> tuple[Tensor, list[Tensor]]:
        """``[B, C, X, Y, Z]`` -> final normed tokens ``[B, N, D]`` and every block's ``[B, N, D]``."""
        if tuple(images.shape[2:]) != self.img_size:
            images = F.interpolate(images, size=self.img_size, mode="trilinear", align_corners=False)
        x = self.net.patch_embedding(images)
        hidden = []
        for block in self.net.blocks:
            use_ckpt = self.grad_checkpointing and torch.is_grad_enabled()
            x = checkpoint(block, x, use_reentrant=False) if use_ckpt else block(x)
            hidden.append(x)
        return self.net.norm(x), hidden

    def encode(
        self, images: Tensor, slice_mask: Tensor | None, slice_positions: Tensor | None, **kwargs: Any
    ) -> ImageEncoderOutput:
        tokens, _ = self.sequence(crop_padded_slices(images, slice_mask))
        return ImageEncoderOutput(pooled=tokens.mean(1), tokens=tokens)

    def pyramid(self, images: Tensor) -> list[Tensor]:
        """Four block outputs reshaped to ``[B, D, gx, gy, gz]`` (UNETR-style skip features)."""
        _, hidden = self.sequence(images)
        b, _, d = hidden[0].shape
        return [hidden[i].transpose(1, 2).reshape(b, d, *self.grid) for i in self.pyramid_blocks]


class SwinEncoder(MonaiEncoder):
    """The Swin transformer encoder of MONAI's SwinUNETR (``feature_size`` 48 = the released weights).

    Spatial sizes are resampled up to a multiple of 32 (patch 2 x four 2x merges) when needed.
    """

    def __init__(
        self,
        feature_size: int = 48,
        depths: Sequence[int] = (2, 2, 2, 2),
        num_heads: Sequence[int] = (3, 6, 12, 24),
        window_size: int = 7,
        in_chans: int = 1,
        use_v2: bool = False,
        weights: str | Path | None = None,
        min_loaded: float = 1.0,
        mean: float = 0.5,
        std: float = 0.25,
    ) -> None:
        super().__init__(mean, std)
        self.net = SwinTransformer(in_chans, feature_size, (window_size,) * 3, (2, 2, 2), list(depths),
                                   list(num_heads), spatial_dims=3, use_v2=use_v2)
        self.pyramid_dims = tuple(feature_size * 2 ** (i + 1) for i in range(4))  # type: ignore[assignment]
        self.embed_dim = self.pyramid_dims[-1]
        self.load(weights, min_loaded)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        super().set_grad_checkpointing(enable)
        for module in self.net.modules():
            if hasattr(module, "use_checkpoint"):
                setattr(module, "use_checkpoint", enable)  # noqa: B010 (attribute of several classes)

    def pyramid(self, images: Tensor) -> list[Tensor]:
        size = [max(32, math.ceil(s / 32) * 32) for s in images.shape[2:]]
        if size != list(images.shape[2:]):
            images = F.interpolate(images, size=size, mode="trilinear", align_corners=False)
        return list(self.net(images, normalize=True)[1:])


@ENCODERS.register("resnet3d_tiny")
def resnet3d_tiny(**kwargs: Any) -> ResNet3DEncoder:
    """A few-thousand-parameter 3D ResNet for CPU tests."""
    kwargs = {"layers": (1, 1, 1, 1), "block_inplanes": (8, 16, 32, 64), **kwargs}
    return ResNet3DEncoder(**kwargs)


@ENCODERS.register("resnet18_3d")
def resnet18_3d(**kwargs: Any) -> ResNet3DEncoder:
    return ResNet3DEncoder("basic", (2, 2, 2, 2), (64, 128, 256, 512), **kwargs)


@ENCODERS.register("resnet50_3d")
def resnet50_3d(**kwargs: Any) -> ResNet3DEncoder:
    return ResNet3DEncoder("bottleneck", (3, 4, 6, 3), (64, 128, 256, 512), **kwargs)


@ENCODERS.register("vit3d")
def vit3d(**kwargs: Any) -> ViT3DEncoder:
    return ViT3DEncoder(**kwargs)


@ENCODERS.register("vit3d_tiny")
def vit3d_tiny(**kwargs: Any) -> ViT3DEncoder:
    kwargs = {"img_size": (32, 32, 16), "patch_size": (8, 8, 4), "hidden_size": 32, "mlp_dim": 64,
              "num_layers": 2, "num_heads": 2, **kwargs}
    return ViT3DEncoder(**kwargs)


@ENCODERS.register("swin3d")
def swin3d(**kwargs: Any) -> SwinEncoder:
    return SwinEncoder(**kwargs)


@ENCODERS.register("swin3d_tiny")
def swin3d_tiny(**kwargs: Any) -> SwinEncoder:
    kwargs = {"feature_size": 12, "depths": (1, 1, 1, 1), "num_heads": (1, 1, 2, 2), **kwargs}
    return SwinEncoder(**kwargs)
