"""Knowledge-guided alignment: images are aligned to the knowledge-base embeddings of their findings.

With ``e_k`` the embedding of finding ``k`` (``keys.ENTITY_EMBEDS`` ``[K, D]``, e.g. encoded
definitions from the knowledge base) and ``y_ik`` the report label (1 positive, 0 negated; unmentioned counts as
negative in a labelled report and uncertain is ignored: :mod:`medvlp.objectives.report_labels`)::

    z_ik = s * <u_i, e_k> + b                       (own learnable scale s and bias b)
    bce:     L = mean_{(i,k): y_ik in {0,1}} BCE(z_ik, y_ik)          (multi-positive)
    softmax: L = mean_{i: any y_i.=1} H(y_i. / |y_i.|, softmax_k z_ik)  (soft target over entities)

References: Zhang et al., "Knowledge-enhanced visual-language pre-training on chest radiology images"
(KAD, Nature Communications 2023); Wu et al., "MedKLIP" (ICCV 2023). A batch with no usable label
gives a zero loss that still depends on the inputs (so DDP sees every parameter used).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.registry import LOSSES
from medvlp.objectives.report_labels import UnmentionedPolicy, check_unmentioned, training_targets


@LOSSES.register("knowledge", aliases=("entity_alignment",))
class KnowledgeAlignmentLoss(nn.Module):
    """Returns ``loss`` and ``labelled_fraction`` (share of image-finding pairs that had a label)."""

    def __init__(self, mode: Literal["bce", "softmax"] = "bce", init_scale: float = 10.0,
                 init_bias: float = 0.0, max_logit_scale: float = 100.0,
                 unmentioned: UnmentionedPolicy = "negative") -> None:
        super().__init__()
        check_unmentioned(unmentioned)
        self.unmentioned = unmentioned
        self.mode = mode
        self.max_logit_scale = max_logit_scale
        self.log_scale = nn.Parameter(torch.tensor(math.log(init_scale)))
        self.bias = nn.Parameter(torch.tensor(float(init_bias)))

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image = outputs[keys.IMAGE_EMBEDS]  # [B, D]
        entities = F.normalize(outputs[keys.ENTITY_EMBEDS], dim=-1)  # [K, D]
        labels = torch.as_tensor(batch[keys.LABELS], dtype=torch.float32, device=image.device)  # [B, K]
        if labels.shape[1] != entities.shape[0]:
            raise ValueError(f"labels have {labels.shape[1]} findings but ENTITY_EMBEDS has {entities.shape[0]}")
        scale = self.log_scale.exp().clamp(max=self.max_logit_scale)
        logits = scale * image @ entities.T + self.bias  # [B, K]
        positive_mask, known = training_targets(labels, self.unmentioned)
        if self.mode == "bce":
            loss_each = F.binary_cross_entropy_with_logits(logits, positive_mask.to(logits.dtype),
                                                           reduction="none")
            loss = (loss_each * known).sum() / known.sum().clamp(min=1)
        else:
            positive = positive_mask.to(logits.dtype)
            rows = positive.sum(dim=1) > 0
            target = positive / positive.sum(dim=1, keepdim=True).clamp(min=1)
            per_row = -(target * F.log_softmax(logits, dim=1)).sum(dim=1)
            loss = (per_row * rows).sum() / rows.sum().clamp(min=1)
        return {"loss": loss, "labelled_fraction": known.float().mean().detach()}
