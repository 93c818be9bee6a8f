"""2D image encoders: any timm backbone with one input channel (timm adapts the first conv)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import timm
from torch import Tensor

from medvlp.models.image_base import ENCODERS, ImageEncoder, ImageEncoderOutput

# Backbones registered by their timm name; any other timm model is reachable through "timm".
TIMM_BACKBONES = (
    "resnet18",
    "resnet50",
    "densenet121",
    "convnext_tiny",
    "efficientnet_b0",
    "vit_small_patch16_224",
    "vit_base_patch16_224",
    "swin_tiny_patch4_window7_224",
    # tiny variants for CPU tests and demos
    "resnet10t",
    "test_resnet",
    "test_convnext",
    "test_vit",
)


class TimmEncoder(ImageEncoder):
    """A timm backbone without classifier: ``[B, C, H, W]`` -> pooled ``[B, D]`` + tokens ``[B, N, D]``.

    ``weights`` is a local timm checkpoint (.pth/.safetensors state dict). It is loaded through
    :func:`medvlp.models.weights.load_timm_weights`, which adapts a 3-channel first conv to
    ``in_chans`` the way timm does for its own pretrained weights, and fails loudly on a poor match.
    Mean/std default to the backbone's pretrained config, averaged over RGB for one channel.
    """

    spatial_dims = 2
    model: Any  # a timm backbone: forward_features / forward_head / feature_info are reached by name

    def __init__(
        self,
        model_name: str,
        in_chans: int = 1,
        weights: str | Path | None = None,
        min_loaded: float = 1.0,
        mean: float | list[float] | None = None,
        std: float | list[float] | None = None,
        **timm_kwargs: Any,
    ) -> None:
        model: Any = timm.create_model(model_name, pretrained=False, num_classes=0, in_chans=in_chans, **timm_kwargs)
        cfg: dict[str, Any] = model.pretrained_cfg  # type: ignore[assignment]
        if mean is None:
            mean = _per_channel(cfg.get("mean", (0.5,)), in_chans)
        if std is None:
            std = _per_channel(cfg.get("std", (0.5,)), in_chans)
        super().__init__(mean, std)
        self.model_name = model_name
        self.model = model
        self.embed_dim = int(model.num_features)
        self.num_prefix_tokens = int(getattr(model, "num_prefix_tokens", 0))
        # feature_info describes every stage; the last four are the segmentation pyramid.
        self.pyramid_dims = tuple(int(f["num_chs"]) for f in model.feature_info[-4:])  # type: ignore[assignment]
        if weights is not None:
            from medvlp.models.weights import load_timm_weights

            load_timm_weights(self, weights, min_loaded=min_loaded)

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        super().set_grad_checkpointing(enable)
        self.model.set_grad_checkpointing(enable)

    def tokens_from_features(self, features: Tensor) -> Tensor:
        """timm ``forward_features`` output (NCHW map, NHWC map or token sequence) -> ``[B, N, D]``."""
        if features.ndim == 3:  # transformers: [B, prefix + N, D]
            return features[:, self.num_prefix_tokens :]
        if getattr(self.model, "output_fmt", "NCHW") == "NHWC":  # e.g. Swin: [B, h, w, D]
            return features.flatten(1, 2)
        return features.flatten(2).transpose(1, 2)  # CNN: [B, D, h, w] -> [B, h*w, D]

    def encode(
        self, images: Tensor, slice_mask: Tensor | None, slice_positions: Tensor | None, **kwargs: Any
    ) -> ImageEncoderOutput:
        features = self.model.forward_features(images)
        pooled = self.model.forward_head(features, pre_logits=True)
        return ImageEncoderOutput(pooled=pooled, tokens=self.tokens_from_features(features))

    def pyramid(self, images: Tensor) -> list[Tensor]:
        """Last four stages ``[B, C_i, h_i, w_i]`` (ViTs give four same-size maps from late blocks)."""
        return list(self.model.forward_intermediates(images, indices=4, intermediates_only=True))


def _per_channel(values: Any, in_chans: int) -> list[float]:
    values = [float(v) for v in values]
    if in_chans == len(values):
        return values
    average = sum(values) / len(values)
    return [average] * in_chans


def _register(name: str) -> None:
    def factory(**kwargs: Any) -> TimmEncoder:
        return TimmEncoder(name, **kwargs)

    factory.__doc__ = f"timm {name} with one input channel (see :class:`TimmEncoder`)."
    ENCODERS.register(name)(factory)


for _name in TIMM_BACKBONES:
    _register(_name)


@ENCODERS.register("timm")
def timm_encoder(model_name: str, **kwargs: Any) -> TimmEncoder:
    """Any timm backbone by name: ``create_encoder("timm", model_name="efficientnet_b3")``."""
    return TimmEncoder(model_name, **kwargs)
