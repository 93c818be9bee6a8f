"""SigLIP: pairwise sigmoid loss with a learnable temperature and bias.

Formula, with ``z_ij = 1`` for matching pairs and ``-1`` otherwise, ``s`` the logit scale and ``b``
the bias::

    L = -1/N * sum_i sum_j log sigmoid( z_ij * (s * <u_i, v_j> + b) )

Reference: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (SigLIP, ICCV 2023). The bias
is taken from the model outputs (``keys.LOGIT_BIAS``) when present, otherwise this module owns it,
initialised to ``init_bias`` (-10 in the paper, so that the many negatives start near zero loss).
Under DDP the texts of every rank are gathered (with gradients) so each rank scores all negatives.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.distributed import gather_with_grad, world_info
from medvlp.objectives.infonce import clamped_scale
from medvlp.objectives.registry import LOSSES


@LOSSES.register("siglip")
class SigLIPLoss(nn.Module):
    """Returns ``loss``, ``pos_logit`` and ``neg_logit`` (mean logits of matching / other pairs)."""

    def __init__(self, max_logit_scale: float = 100.0, init_bias: float = -10.0, gather: bool = True) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale
        self.gather = gather
        self.bias = nn.Parameter(torch.tensor(float(init_bias)))

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image, text = outputs[keys.IMAGE_EMBEDS], outputs[keys.TEXT_EMBEDS]  # [B, D]
        scale = clamped_scale(outputs, self.max_logit_scale)
        bias = outputs[keys.LOGIT_BIAS].reshape(()) if keys.LOGIT_BIAS in outputs else self.bias
        rank, world = world_info() if self.gather else (0, 1)
        all_text = gather_with_grad(text) if world > 1 else text  # [W*B, D]
        logits = scale * image @ all_text.T + bias  # [B, W*B]
        signs = -torch.ones_like(logits)
        rows = torch.arange(image.shape[0], device=image.device)
        signs[rows, rows + rank * image.shape[0]] = 1.0
        loss = -F.logsigmoid(signs * logits).sum() / image.shape[0]
        positive = signs > 0
        return {
            "loss": loss,
            "pos_logit": logits[positive].mean().detach(),
            "neg_logit": logits[~positive].mean().detach() if (~positive).any() else logits.new_zeros(()),
        }
