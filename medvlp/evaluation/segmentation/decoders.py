"""Segmentation decoders over a feature pyramid, registered in ``DECODERS``.

* ``upernet``: pyramid pooling module (PPM) on the coarsest map + feature pyramid network (FPN)
  top-down path; all levels are upsampled to the finest, concatenated and fused (Xiao et al. 2018).
* ``unet``: progressive upsampling with skip concatenation from each finer level.

Both take ``[B, C_i, H_i, W_i]`` maps ordered finest first and return logits at the finest level's
resolution ``[B, num_classes, H_0, W_0]``; the probe upsamples them to the mask size.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from medvlp.registry import Registry

DECODERS: Registry[nn.Module] = Registry("segmentation decoder")


def conv_bn_relu(in_ch: int, out_ch: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_ch, out_ch, kernel, padding=kernel // 2, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(True)
    )


class PyramidPooling(nn.Module):
    """PPM: pool ``[B, C, H, W]`` to each bin size, project, upsample, concatenate, fuse -> ``[B, D, H, W]``."""

    def __init__(self, in_ch: int, channels: int, bins: Sequence[int] = (1, 2, 3, 6)) -> None:
        super().__init__()
        self.stages = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(b), nn.Conv2d(in_ch, channels, 1), nn.ReLU(True)) for b in bins
        )
        self.fuse = conv_bn_relu(in_ch + len(bins) * channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        pooled = [F.interpolate(s(x), size=size, mode="bilinear", align_corners=False) for s in self.stages]
        return self.fuse(torch.cat([x, *pooled], dim=1))


@DECODERS.register("upernet")
class UperNetDecoder(nn.Module):
    """PPM + FPN decoder. ``in_channels`` lists the pyramid's channels, finest first."""

    def __init__(self, in_channels: Sequence[int], num_classes: int, channels: int = 64) -> None:
        super().__init__()
        self.ppm = PyramidPooling(in_channels[-1], channels)
        self.lateral = nn.ModuleList(nn.Conv2d(c, channels, 1) for c in in_channels[:-1])
        self.smooth = nn.ModuleList(conv_bn_relu(channels, channels) for _ in in_channels[:-1])
        self.fuse = conv_bn_relu(len(in_channels) * channels, channels)
        self.classifier = nn.Conv2d(channels, num_classes, 1)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        levels = [lat(f) for lat, f in zip(self.lateral, features[:-1])] + [self.ppm(features[-1])]
        for i in range(len(levels) - 1, 0, -1):  # top-down: add the upsampled coarser level
            levels[i - 1] = levels[i - 1] + F.interpolate(
                levels[i], size=levels[i - 1].shape[-2:], mode="bilinear", align_corners=False)
        outs = [s(x) for s, x in zip(self.smooth, levels[:-1])] + [levels[-1]]
        size = outs[0].shape[-2:]
        outs = [outs[0]] + [F.interpolate(o, size=size, mode="bilinear", align_corners=False) for o in outs[1:]]
        return self.classifier(self.fuse(torch.cat(outs, dim=1)))


@DECODERS.register("unet")
class UNetDecoder(nn.Module):
    """U-Net style: from the coarsest map, upsample, concatenate the next finer map, convolve."""

    def __init__(self, in_channels: Sequence[int], num_classes: int, channels: int = 64) -> None:
        super().__init__()
        self.bottom = conv_bn_relu(in_channels[-1], channels)
        self.blocks = nn.ModuleList(
            nn.Sequential(conv_bn_relu(channels + c, channels), conv_bn_relu(channels, channels))
            for c in reversed(in_channels[:-1])
        )
        self.classifier = nn.Conv2d(channels, num_classes, 1)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        x = self.bottom(features[-1])
        for block, skip in zip(self.blocks, reversed(features[:-1])):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([x, skip], dim=1))
        return self.classifier(x)
