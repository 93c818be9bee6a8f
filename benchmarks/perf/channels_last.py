"""Channels-last 2D convolution weights (``model.channels_last``) against the default NCHW layout.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/channels_last.py``

Forward + backward of the tiny ResNet (``test_resnet``, the slice encoder of ``ct_slicepool_tiny``
and the image tower of ``cxr_tiny``) in the two shapes the CPU demo trains: the CT batch (16 volumes
x 16 slices = 256 slices of 64 x 64, in the slice-pooling encoder's chunks of 16) and the radiograph
batch (32 images of 64 x 64 in one call). The peer is the same module in PyTorch's default layout;
the ratio is channels-last time / default time (below 1: channels-last is faster).
"""

from __future__ import annotations

import argparse
import copy

import torch
from timing import best_seconds  # benchmarks/perf/timing.py (the script's own directory)

from medvlp.models import create_encoder
from medvlp.models.memory_format import use_channels_last


def step_s(encoder: torch.nn.Module, images: torch.Tensor, chunk: int, repeats: int) -> float:
    def step() -> None:
        pooled = [encoder.encode(c, None, None).pooled for c in images.split(chunk)]  # type: ignore[operator]
        torch.cat(pooled).square().sum().backward()

    return best_seconds(step, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    plain = create_encoder("test_resnet", mean=0.0, std=1.0).train()
    nhwc = copy.deepcopy(plain)
    use_channels_last(nhwc)
    for name, n_images, chunk in (("CT slices (16 x 16, chunks of 16)", 256, 16), ("radiographs (batch 32)", 32, 32)):
        images = torch.rand(n_images, 1, 64, 64)
        ours = step_s(nhwc, images, chunk, args.repeats)
        peer = step_s(plain, images, chunk, args.repeats)
        print(f"{name}: channels-last {ours * 1e3:.0f} ms, NCHW {peer * 1e3:.0f} ms, ratio {ours / peer:.2f}")


if __name__ == "__main__":
    main()
