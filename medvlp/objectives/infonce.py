"""Symmetric InfoNCE (CLIP) loss with a learnable temperature and cross-rank negatives.

Formula, for L2-normalised image embeddings ``u_i`` and text embeddings ``v_j`` and logit scale
``s = exp(t)`` (clamped to ``max_logit_scale``)::

    S_ij = s * <u_i, v_j>
    L = 1/2 * [ mean_i CE(S_i., i) + mean_j CE(S_.j, j) ]

Reference: Radford et al., "Learning Transferable Visual Models From Natural Language Supervision"
(CLIP, 2021); van den Oord et al., "Representation Learning with Contrastive Predictive Coding" (2018).
With DDP the negatives of every rank are gathered (with gradients). ``local_loss=True`` follows
open_clip: each rank scores only its own rows against all gathered columns, so the logits are
``[B, W*B]`` instead of ``[W*B, W*B]``; the summed gradient is the same.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.distributed import gather_with_grad, world_info
from medvlp.objectives.registry import LOSSES


def clamped_scale(outputs: dict[str, Tensor], max_logit_scale: float) -> Tensor:
    """The model's logit scale as a scalar tensor, clamped to ``max_logit_scale`` (gradient kept)."""
    return outputs[keys.LOGIT_SCALE].reshape(()).clamp(max=max_logit_scale)


@LOSSES.register("infonce", aliases=("clip",))
class InfoNCELoss(nn.Module):
    """CLIP loss. Returns ``loss``, ``i2t`` and ``t2i`` (the two cross-entropy directions)."""

    def __init__(self, max_logit_scale: float = 100.0, local_loss: bool = False, gather: bool = True,
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale
        self.local_loss = local_loss
        self.gather = gather
        self.label_smoothing = label_smoothing

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image, text = outputs[keys.IMAGE_EMBEDS], outputs[keys.TEXT_EMBEDS]  # [B, D]
        scale = clamped_scale(outputs, self.max_logit_scale)
        rank, world = world_info() if self.gather else (0, 1)
        all_image = gather_with_grad(image) if world > 1 else image  # [W*B, D]
        all_text = gather_with_grad(text) if world > 1 else text
        if self.local_loss:
            logits_i2t = scale * image @ all_text.T  # [B, W*B]
            logits_t2i = scale * text @ all_image.T
            targets = torch.arange(image.shape[0], device=image.device) + rank * image.shape[0]
        else:
            logits_i2t = scale * all_image @ all_text.T  # [W*B, W*B]
            logits_t2i = logits_i2t.T
            targets = torch.arange(all_image.shape[0], device=image.device)
        i2t = F.cross_entropy(logits_i2t, targets, label_smoothing=self.label_smoothing)
        t2i = F.cross_entropy(logits_t2i, targets, label_smoothing=self.label_smoothing)
        return {"loss": (i2t + t2i) / 2, "i2t": i2t.detach(), "t2i": t2i.detach()}
