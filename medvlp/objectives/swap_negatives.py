"""Finding-swap hard negatives: each image picks its own report over the report with two findings traded.

With ``u_i`` the image embedding ``[B, D]``, ``v_i`` its report's embedding ``[B, D]``, ``h_ik`` the
embeddings of that report with one affirmed and one denied finding swapped (``keys.SWAP_EMBEDS``
``[B, H, D]``, valid where ``keys.SWAP_MASK``) and the model's logit scale ``s``::

    z_i = s * (<u_i, v_i>, <u_i, h_i1>, ..., <u_i, h_iH>)      (invalid slots -> -inf)
    L = mean_{i with >= 1 swap} CE(z_i, 0)

A swap keeps the number of stated findings, so unlike the in-batch negatives of InfoNCE it cannot be told
apart by how abnormal the study is: the gradient aligns *which* finding the image shows with the words for
it (:mod:`medvlp.knowledge.finding_swap`). Hard negatives by text edits as in NegCLIP (Yuksekgonul et al.,
"When and why vision-language models behave like bags-of-words", ICLR 2023). A batch without any swap, or
without swap texts at all (validation), gives a zero loss that still depends on the inputs (DDP sees every
parameter used).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.infonce import clamped_scale
from medvlp.objectives.registry import LOSSES


@LOSSES.register("swap_negatives", aliases=("finding_swap",))
class SwapNegativeLoss(nn.Module):
    """Returns ``loss``, ``swapped_fraction`` (reports with a swap) and ``accuracy`` (own report ranked first)."""

    def __init__(self, max_logit_scale: float = 100.0) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image, text = outputs[keys.IMAGE_EMBEDS], outputs[keys.TEXT_EMBEDS]  # [B, D]
        if keys.SWAP_EMBEDS not in outputs or keys.SWAP_MASK not in batch:
            # validation batches carry no swaps (training without them is a config error, checked up front)
            zero = 0.0 * (image.sum() + text.sum())
            return {"loss": zero, "swapped_fraction": zero.detach(), "accuracy": zero.detach()}
        swaps = outputs[keys.SWAP_EMBEDS].to(image.dtype)  # [B, H, D]
        valid = torch.as_tensor(batch[keys.SWAP_MASK], dtype=torch.bool, device=image.device)  # [B, H]
        scale = clamped_scale(outputs, self.max_logit_scale)
        own = (image * text).sum(-1, keepdim=True)  # [B, 1]
        other = torch.einsum("bd,bhd->bh", image, swaps)  # [B, H]
        # mask after scaling: -inf times the scale's gradient would be NaN
        logits = torch.cat([scale * own, (scale * other).masked_fill(~valid, float("-inf"))], dim=1)  # [B, 1 + H]
        rows = valid.any(dim=1)
        zero = 0.0 * (own.sum() + swaps.sum())
        if not rows.any():
            return {"loss": zero, "swapped_fraction": rows.float().mean().detach(),
                    "accuracy": torch.zeros((), device=image.device)}
        target = torch.zeros(int(rows.sum()), dtype=torch.long, device=image.device)
        loss = F.cross_entropy(logits[rows], target) + zero
        right = (logits[rows].argmax(dim=1) == 0).float().mean()
        return {"loss": loss, "swapped_fraction": rows.float().mean().detach(), "accuracy": right.detach()}
