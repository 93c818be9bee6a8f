"""Slice pooling vs native 3D ResNet: forward+backward time and activation memory vs slice count.

Run:  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/encoders.py [--slices 32 64 128 256]

Models are the tiny CPU variants (``test_resnet`` per slice + transformer pooler; MONAI
``resnet3d_tiny`` with first-conv stride (2, 2, 1)) on one ``[1, 1, 64, 64, Z]`` volume.

Memory method (CPU, explicit): *activation memory* = bytes of distinct tensor storages autograd
saves for backward during the forward pass (``torch.autograd.graph.saved_tensors_hooks``),
parameters excluded. It is the part that grows with slices; it does not include transient
buffers inside a single op, nor the recomputation peak of one checkpointed chunk in backward.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from medvlp.models import create_encoder
from medvlp.models.slicepool import SlicePoolEncoder


class SavedTensorMeter:
    """Sum of unique storages saved for backward inside the context (parameters excluded)."""

    def __init__(self, module: nn.Module) -> None:
        self.param_ptrs = {p.untyped_storage().data_ptr() for p in module.parameters()}
        self.seen: dict[int, int] = {}

    def pack(self, tensor: Tensor) -> Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in self.param_ptrs:
            self.seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    @property
    def bytes(self) -> int:
        return sum(self.seen.values())


def measure(encoder: nn.Module, volume: Tensor, repeats: int, **kwargs: Any) -> tuple[float, int]:
    """Best-of-``repeats`` forward+backward seconds, and activation bytes of one forward."""
    times = []
    for _ in range(repeats):
        meter = SavedTensorMeter(encoder)
        start = time.perf_counter()
        with torch.autograd.graph.saved_tensors_hooks(meter.pack, lambda t: t):
            loss = encoder(volume, **kwargs).pooled.square().sum()
        if loss.requires_grad:
            loss.backward()
        times.append(time.perf_counter() - start)
        encoder.zero_grad(set_to_none=True)
    return min(times), meter.bytes


def slicepool(mode: str) -> tuple[SlicePoolEncoder, dict[str, Any]]:
    torch.manual_seed(0)
    encoder = create_encoder("slicepool", slice_encoder="test_resnet", pooler="transformer", chunk_size=32, dim=64)
    assert isinstance(encoder, SlicePoolEncoder)
    encoder.eval()  # BatchNorm in eval: identical maths across modes; gradients still flow
    if mode == "checkpointed":
        encoder.set_grad_checkpointing(True)
    if mode == "frozen_cached":
        encoder.freeze_slice_encoder()
        return encoder, {"volume_ids": ["vol-0"]}
    return encoder, {}


def fit(slices: list[int], values: list[float]) -> tuple[float, float, float]:
    """Least squares ``value = a + b * slices``; returns (a, b, R^2)."""
    b, a = np.polyfit(slices, values, 1)
    predicted = a + b * np.asarray(slices)
    total = float(np.sum((np.asarray(values) - np.mean(values)) ** 2)) or 1.0
    return float(a), float(b), 1.0 - float(np.sum((np.asarray(values) - predicted) ** 2)) / total


def run(slice_counts: list[int], repeats: int) -> None:
    torch.set_num_threads(1)
    builders: dict[str, Callable[[], tuple[nn.Module, dict[str, Any]]]] = {
        f"slicepool_{m}": (lambda m=m: slicepool(m)) for m in ("trainable", "checkpointed", "frozen_cached")
    }
    builders["native3d_resnet"] = lambda: (create_encoder("resnet3d_tiny", conv1_stride=(2, 2, 1)).eval(), {})
    results: dict[str, dict[int, tuple[float, int]]] = {name: {} for name in builders}
    for z in slice_counts:
        volume = torch.rand(1, 1, 64, 64, z, generator=torch.Generator().manual_seed(z))
        for name, build in builders.items():
            encoder, kwargs = build()
            if "volume_ids" in kwargs:  # fill the cache once (not timed): the steady state of training
                with torch.no_grad():
                    encoder(volume, **kwargs)
            results[name][z] = measure(encoder, volume, repeats, **kwargs)
    print(f"{'encoder':28s}" + "".join(f"{z:>10d} sl" for z in slice_counts) + "   fit: a + b*slices (R^2)")
    for name, per_z in results.items():
        secs = [per_z[z][0] * 1000 for z in slice_counts]
        mem = [per_z[z][1] / 2**20 for z in slice_counts]
        ta, tb, tr = fit(slice_counts, secs)
        ma, mb, mr = fit(slice_counts, mem)
        print(f"{name + ' ms':28s}" + "".join(f"{v:13.1f}" for v in secs) + f"   {ta:.1f} + {tb:.2f}*Z ({tr:.3f})")
        print(f"{name + ' act MiB':28s}" + "".join(f"{v:13.2f}" for v in mem) + f"   {ma:.2f} + {mb:.4f}*Z ({mr:.3f})")
    print("ratio native3d / slicepool_trainable time: " + ", ".join(
        f"{z}: {results['native3d_resnet'][z][0] / results['slicepool_trainable'][z][0]:.2f}x" for z in slice_counts))
    print("ratio slicepool trainable / checkpointed activation memory: " + ", ".join(
        f"{z}: {results['slicepool_trainable'][z][1] / max(results['slicepool_checkpointed'][z][1], 1):.1f}x"
        for z in slice_counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    run(args.slices, args.repeats)


if __name__ == "__main__":
    main()
