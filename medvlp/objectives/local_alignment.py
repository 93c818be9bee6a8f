"""Local alignment between report tokens and image regions (FILIP / GLoRIA style token-wise max-sim).

For an image ``i`` with region features ``r_in`` ``[N, D]`` and a report ``j`` with token features
``w_jl`` ``[L, D]`` (only real tokens, ``mask_jl``), all L2-normalised::

    sim_t2i(i, j) = mean_{l: mask_jl} max_n <w_jl, r_in>      (each word finds its best region)
    sim_i2t(i, j) = mean_n max_{l: mask_jl} <r_in, w_jl>      (each region finds its best word)
    L = 1/2 * [ CE(s * sim_i2t, diag) + CE(s * sim_t2i^T, diag) ]   (symmetric, rows and columns)

References: Yao et al., "FILIP: Fine-grained Interactive Language-Image Pre-Training" (ICLR 2022);
Huang et al., "GLoRIA: A Multimodal Global-Local Representation Learning Framework for Label-efficient
Medical Image Recognition" (ICCV 2021). A report with no real token contributes similarity 0 (never
NaN). Memory is ``[B, B, N, L]``, so keep N and L modest (pooled regions, sentence features).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.infonce import clamped_scale
from medvlp.objectives.registry import LOSSES


def token_max_sim(regions: Tensor, tokens: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Token-wise similarities of every image with every report.

    regions ``[B, N, D]``, tokens ``[B, L, D]`` (normalised), mask ``bool [B, L]`` ->
    (sim_i2t ``[B_img, B_txt]``, sim_t2i ``[B_img, B_txt]``).
    """
    sims = torch.einsum("ind,jld->ijnl", regions, tokens)  # [B, B, N, L]
    valid = mask[None, :, None, :]  # [1, B, 1, L]
    below_any_cosine = -2.0  # finite, so padded rows never overflow to -inf
    has_tokens = mask.any(dim=1)[None, :]  # [1, B]
    best_word = sims.masked_fill(~valid, below_any_cosine).amax(dim=3)  # [B, B, N]
    sim_i2t = torch.where(has_tokens, best_word.mean(dim=2), torch.zeros_like(best_word[..., 0]))
    best_region = sims.amax(dim=2)  # [B, B, L]
    counts = mask.sum(dim=1).clamp(min=1)[None, :]  # [1, B]
    sim_t2i = (best_region * mask[None, :, :]).sum(dim=2) / counts
    return sim_i2t, sim_t2i


@LOSSES.register("local_alignment", aliases=("filip",))
class LocalAlignmentLoss(nn.Module):
    """Returns ``loss``, ``i2t`` and ``t2i``. Needs IMAGE_TOKENS, TEXT_TOKENS, TEXT_TOKEN_MASK."""

    def __init__(self, max_logit_scale: float = 100.0) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        regions = F.normalize(outputs[keys.IMAGE_TOKENS], dim=-1)  # [B, N, D]
        tokens = F.normalize(outputs[keys.TEXT_TOKENS], dim=-1)  # [B, L, D]
        mask = outputs.get(keys.TEXT_TOKEN_MASK)
        if mask is None:
            mask = torch.ones(tokens.shape[:2], dtype=torch.bool, device=tokens.device)
        scale = clamped_scale(outputs, self.max_logit_scale)
        sim_i2t, sim_t2i = token_max_sim(regions, tokens, mask.bool())
        targets = torch.arange(regions.shape[0], device=regions.device)
        i2t = F.cross_entropy(scale * sim_i2t, targets)
        t2i = F.cross_entropy(scale * sim_t2i.T, targets)
        return {"loss": (i2t + t2i) / 2, "i2t": i2t.detach(), "t2i": t2i.detach()}
