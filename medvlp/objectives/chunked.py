"""Memory-bounded symmetric InfoNCE: the ``[N, N]`` logit matrix is never held, only ``[chunk, N]`` blocks.

Same loss as :mod:`medvlp.objectives.infonce` (``S = s U V^T``, ``L = (mean_i lse_j S_ij - S_ii +
mean_j lse_i S_ij - S_jj) / 2``), computed with a custom autograd function. Forward streams row
blocks to get the row log-sum-exps and the column log-sum-exps (online, in float32). Backward
recomputes each block and uses the closed-form gradient::

    G = dL/dS = (P + Q - 2 I) / (2N),   P = row softmax(S), Q = column softmax(S)
    dL/dU = s G V,   dL/dV = s G^T U,   dL/ds = <G, U V^T> = <U, dL/dU> / s

so peak memory is O(chunk * N) instead of several O(N^2) buffers (logits, two softmaxes, their
gradients). Reference: the chunked logsumexp view of contrastive losses used by GradCache (Gao et
al., "Scaling Deep Contrastive Learning Batch Size under Memory Limited Setup", 2021) and by
memory-efficient cross-entropy kernels. Gradients equal the naive loss's up to float rounding.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.distributed import gather_with_grad, world_info
from medvlp.objectives.infonce import clamped_scale
from medvlp.objectives.registry import LOSSES


def _row_blocks(n: int, chunk: int) -> list[slice]:
    return [slice(start, min(start + chunk, n)) for start in range(0, n, chunk)]


class _ChunkedInfoNCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, image: Tensor, text: Tensor, scale: Tensor, chunk: int) -> Tensor:
        n = image.shape[0]
        acc = torch.promote_types(image.dtype, torch.float32)  # half inputs accumulate in float32
        row_lse = image.new_empty(n, dtype=acc)
        col_lse = torch.full((n,), float("-inf"), dtype=acc, device=image.device)
        for rows in _row_blocks(n, chunk):
            block = torch.mm(image[rows].to(acc), text.to(acc).T).mul_(scale.to(acc))  # [c, N]
            row_lse[rows] = torch.logsumexp(block, dim=1)
            col_lse = torch.logaddexp(col_lse, torch.logsumexp(block, dim=0))
        diagonal = scale.to(acc) * torch.einsum("nd,nd->n", image.to(acc), text.to(acc))  # [N], no [N, D] temp
        loss = ((row_lse - diagonal).mean() + (col_lse - diagonal).mean()) / 2
        ctx.save_for_backward(image, text, scale, row_lse, col_lse)
        ctx.chunk, ctx.acc = chunk, acc
        return loss

    @staticmethod
    def backward(ctx: Any, grad_loss: Tensor) -> tuple[Tensor | None, ...]:
        image, text, scale, row_lse, col_lse = ctx.saved_tensors
        n, acc = image.shape[0], ctx.acc
        image_acc, text_acc, scale_acc = image.to(acc), text.to(acc), scale.to(acc)
        grad_image = torch.empty_like(image, dtype=acc)
        grad_text = torch.zeros_like(text, dtype=acc)
        for rows in _row_blocks(n, ctx.chunk):
            # two [c, N] buffers at most; every update is in place
            block = torch.mm(image_acc[rows], text_acc.T).mul_(scale_acc)  # S block
            g = (block - row_lse[rows, None]).exp_()  # P block
            g.add_(block.sub_(col_lse[None, :]).exp_())  # + Q block
            index = torch.arange(rows.start, rows.stop, device=image.device)
            g[index - rows.start, index] -= 2.0
            g.mul_(scale_acc / (2 * n))  # s * G block
            torch.mm(g, text_acc, out=grad_image[rows])
            grad_text.addmm_(g.T, image_acc[rows])
        # dL/ds = sum_ij G_ij <u_i, v_j> = <U, dL/dU> / s, without another pass over the blocks
        grad_scale = torch.dot(image_acc.reshape(-1), grad_image.reshape(-1)) / scale_acc
        return (
            grad_image.mul_(grad_loss).to(image.dtype),
            grad_text.mul_(grad_loss).to(text.dtype),
            (grad_scale * grad_loss).to(scale.dtype),
            None,
        )


def chunked_infonce(image: Tensor, text: Tensor, scale: Tensor, chunk: int = 256) -> Tensor:
    """Symmetric InfoNCE of ``image``/``text`` ``[N, D]`` at scalar ``scale`` in ``[chunk, N]`` blocks."""
    return _ChunkedInfoNCE.apply(image, text, scale.reshape(()), chunk)


@LOSSES.register("chunked_infonce", aliases=("memory_efficient_clip",))
class ChunkedInfoNCELoss(nn.Module):
    """Drop-in for ``infonce`` at large batch sizes. Returns ``loss`` (cross-rank negatives gathered)."""

    def __init__(self, max_logit_scale: float = 100.0, chunk: int = 256, gather: bool = True) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale
        self.chunk = chunk
        self.gather = gather

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image, text = outputs[keys.IMAGE_EMBEDS], outputs[keys.TEXT_EMBEDS]  # [B, D]
        _, world = world_info() if self.gather else (0, 1)
        if world > 1:
            image, text = gather_with_grad(image), gather_with_grad(text)  # [W*B, D]
        scale = clamped_scale(outputs, self.max_logit_scale)
        return {"loss": chunked_infonce(image, text, scale, self.chunk)}
