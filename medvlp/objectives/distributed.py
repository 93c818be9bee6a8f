"""Cross-rank gathering of embeddings with gradients flowing back to the local shard.

``torch.distributed.all_gather`` is not differentiable. :class:`_GatherWithGrad` gathers in forward
and, in backward, sums the incoming gradients of every rank (each rank computed its own loss on the
gathered matrix) and returns the slice that belongs to the local features. An all-reduce is used
instead of reduce-scatter because the CPU ``gloo`` backend lacks the latter.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor


def world_info() -> tuple[int, int]:
    """(rank, world_size) of the default process group, or (0, 1) when not distributed."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class _GatherWithGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, local: Tensor) -> Tensor:  # [B, D] -> [W*B, D]
        rank, world = world_info()
        ctx.rank, ctx.batch = rank, local.shape[0]
        parts = [torch.empty_like(local) for _ in range(world)]
        dist.all_gather(parts, local.contiguous())
        return torch.cat(parts, dim=0)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:  # [W*B, D] -> [B, D]
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        start = ctx.rank * ctx.batch
        return grad[start : start + ctx.batch]


def gather_with_grad(local: Tensor) -> Tensor:
    """Concatenate ``local`` ``[B, D]`` from every rank into ``[W*B, D]`` (rank order), differentiably.

    Every rank must pass the same ``B``. Without an initialised process group this is the identity.
    """
    _, world = world_info()
    if world == 1:
        return local
    return _GatherWithGrad.apply(local)
