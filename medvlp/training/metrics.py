"""Training-time monitoring: in-batch retrieval accuracy and embedding effective rank (RankMe)."""

from __future__ import annotations

import torch
from torch import Tensor


@torch.no_grad()
def retrieval_top1(image: Tensor, text: Tensor) -> tuple[Tensor, Tensor]:
    """In-batch top-1 accuracy (image->text, text->image) of paired embeddings ``[B, D]``."""
    sims = image.float() @ text.float().T  # [B, B]
    target = torch.arange(sims.shape[0], device=sims.device)
    i2t = (sims.argmax(dim=1) == target).float().mean()
    t2i = (sims.argmax(dim=0) == target).float().mean()
    return i2t, t2i


@torch.no_grad()
def rankme(embeddings: Tensor, eps: float = 1e-7) -> Tensor:
    """Effective rank ``exp(H(p))`` with ``p`` the normalised singular values of ``[B, D]`` embeddings.

    Reference: Garrido et al., "RankMe: Assessing the Downstream Performance of Pretrained
    Self-Supervised Representations by Their Rank" (ICML 2023). A collapsed tower gives ~1.
    """
    singular = torch.linalg.svdvals(embeddings.float())
    p = singular / singular.sum().clamp(min=eps) + eps
    return torch.exp(-(p * p.log()).sum())
