"""Label-pair alignment: each image picks the affirmed or the negated sentence of every finding.

With ``u_i`` the image embedding ``[B, D]``, ``a_k`` / ``n_k`` the affirmed / negated finding text
embeddings (``keys.FINDING_PAIR_EMBEDS`` ``[K, 2, D]``, encoded by the text tower in the same step)
and ``y_ik`` the report label of finding ``k`` (column ``keys.FINDING_PAIR_INDEX[k]`` of
``keys.LABELS``)::

    z_ik = s * (<u_i, a_k>, <u_i, n_k>)                 (own learnable scale s, clamped)
    L = mean_{(i,k) known} CE(z_ik, 0 if y_ik = 1 else 1)

so the image and text towers learn exactly the contrast a paired zero-shot score reads (affirmed vs
negated prompt), anchored on negation. Unmentioned findings count as negative by default (the
CheXpert convention the benchmark uses; :mod:`medvlp.objectives.report_labels`), uncertain ones are left out. ``balance`` weights the
positive and the negative pairs of each finding equally within the batch. Entity-level supervision
from report labels follows KAD (Zhang et al., Nature Communications 2023) and the prompt-pair
classifier of CheXzero (Tiu et al., Nature BME 2022). A batch with no usable label gives a zero loss
that still depends on the inputs (DDP sees every parameter used).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.registry import LOSSES
from medvlp.objectives.report_labels import UnmentionedPolicy, check_unmentioned, training_targets


@LOSSES.register("finding_pairs", aliases=("label_pairs",))
class FindingPairLoss(nn.Module):
    """Returns ``loss``, ``labelled_fraction`` and ``accuracy`` (share of known pairs ranked right)."""

    def __init__(self, init_scale: float = 10.0, max_logit_scale: float = 100.0,
                 unmentioned: UnmentionedPolicy = "negative", balance: bool = False) -> None:
        super().__init__()
        check_unmentioned(unmentioned)
        self.log_scale = nn.Parameter(torch.tensor(math.log(init_scale)))
        self.max_logit_scale = max_logit_scale
        self.unmentioned = unmentioned
        self.balance = balance

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        if keys.FINDING_PAIR_EMBEDS not in outputs:
            raise ValueError("finding_pairs needs the model's pair texts (model override finding_pairs.enabled: true)")
        image = outputs[keys.IMAGE_EMBEDS]  # [B, D]
        pairs = outputs[keys.FINDING_PAIR_EMBEDS].to(image.dtype)  # [K, 2, D]
        index = outputs[keys.FINDING_PAIR_INDEX]  # [K]
        labels = torch.as_tensor(batch[keys.LABELS], dtype=torch.float32, device=image.device)  # [B, all labels]
        scale = self.log_scale.exp().clamp(max=self.max_logit_scale)
        logits = scale * torch.einsum("bd,kpd->bkp", image, pairs)  # [B, K, 2]
        positive, known = training_targets(labels, self.unmentioned)  # a row is labelled by any column
        positive, known = positive[:, index], known[:, index]  # [B, K]
        target = (~positive).long()  # class 0 = affirmed, 1 = negated
        each = F.cross_entropy(logits.reshape(-1, 2), target.reshape(-1), reduction="none").reshape(known.shape)
        weight = known.to(each.dtype)
        if self.balance:  # each finding's positives and negatives weigh the same in the batch
            pos = (positive & known).to(each.dtype)
            neg = weight - pos
            weight = pos / pos.sum(0, keepdim=True).clamp(min=1) + neg / neg.sum(0, keepdim=True).clamp(min=1)
        loss = (each * weight).sum() / weight.sum().clamp(min=1e-6) + 0.0 * logits.sum()
        right = (logits.argmax(-1) == target) & known
        return {"loss": loss, "labelled_fraction": known.float().mean().detach(),
                "accuracy": (right.sum().float() / known.sum().clamp(min=1)).detach()}
