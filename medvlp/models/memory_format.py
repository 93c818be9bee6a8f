"""Channels-last (NHWC) storage for 2D convolution weights.

Convolutions whose weight is channels-last run in that layout and hand it on to the layers after
them, so converting the weights is enough: inputs stay as they are. Whether it pays depends on the
backend and the shapes: on CPU (oneDNN) the tiny ResNet's forward + backward over 256 CT slices in
chunks of 16 runs 1.3-1.6x faster (``benchmarks/perf/channels_last.py``; a 100-step CT pretraining
65 s instead of 79 s), while a radiograph batch of 32 gains nothing (a 200-step CXR run: 42 s vs
38 s); see benchmarks/RESULTS.md, session 9. On CUDA it is the layout tensor cores want under mixed
precision. Values are unchanged up to float rounding; only 4D weights are touched (3D convolutions
and linear layers are left alone).
"""

from __future__ import annotations

import torch
from torch import nn


def use_channels_last(model: nn.Module) -> int:
    """Store every ``nn.Conv2d`` weight of ``model`` channels-last, in place; return how many."""
    converted = 0
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            module.to(memory_format=torch.channels_last)
            converted += 1
    return converted
