"""False-negative-aware contrastive loss with soft targets from report labels (MedCLIP style).

Two studies whose reports state the same findings are not negatives of each other. Each sample gets
a label vector ``y_i`` (1 for each positive finding, plus a "no positive finding" slot so that
normal studies match each other); the target distribution of row ``i`` is the cosine similarity of
label vectors, normalised to sum to one::

    T_ij = cos(y_i, y_j) / sum_k cos(y_i, y_k)
    L = 1/2 * [ mean_i H(T_i., softmax_j(s <u_i, v_j>)) + mean_j H(T_.j, softmax_i(s <u_i, v_j>)) ]

Reference: Wang et al., "MedCLIP: Contrastive Learning from Unpaired Medical Images and Text"
(EMNLP 2022), semantic matching loss. A sample without any stated label (all NaN) keeps the plain
one-hot target (only its own report is a positive). Uncertain (-1) counts as not positive.
``mix`` blends the soft target with the identity to keep a pull toward the true pair.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.infonce import clamped_scale
from medvlp.objectives.registry import LOSSES


def label_similarity_targets(labels: Tensor) -> Tensor:
    """Row-stochastic soft targets ``[B, B]`` from labels ``float [B, K]`` (NaN = not mentioned)."""
    stated = ~torch.isnan(labels)  # [B, K]
    positive = (labels == 1).float()  # NaN == 1 is False
    normal = (positive.sum(dim=1, keepdim=True) == 0).float()  # [B, 1]
    vectors = F.normalize(torch.cat([positive, normal], dim=1), dim=1)  # [B, K+1]
    similarity = vectors @ vectors.T  # [B, B], diagonal 1
    informative = stated.any(dim=1)  # [B]
    pair_ok = informative[:, None] & informative[None, :]
    eye = torch.eye(labels.shape[0], dtype=similarity.dtype, device=labels.device)
    similarity = torch.where(pair_ok, similarity, eye)
    return similarity / similarity.sum(dim=1, keepdim=True)


@LOSSES.register("soft_targets", aliases=("medclip",))
class SoftTargetLoss(nn.Module):
    """Returns ``loss``, ``i2t``, ``t2i`` and ``target_entropy`` (how soft the targets were)."""

    def __init__(self, max_logit_scale: float = 100.0, mix: float = 0.0) -> None:
        super().__init__()
        self.max_logit_scale = max_logit_scale
        self.mix = mix

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image, text = outputs[keys.IMAGE_EMBEDS], outputs[keys.TEXT_EMBEDS]  # [B, D]
        scale = clamped_scale(outputs, self.max_logit_scale)
        labels = torch.as_tensor(batch[keys.LABELS], dtype=torch.float32, device=image.device)
        targets = label_similarity_targets(labels)  # [B, B], rows sum to 1, symmetric support
        if self.mix:
            eye = torch.eye(labels.shape[0], device=image.device)
            targets = (1 - self.mix) * targets + self.mix * eye
        logits = scale * image @ text.T  # [B, B]
        targets = targets.to(logits.dtype)
        column_targets = targets.T / targets.T.sum(dim=1, keepdim=True)
        i2t = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
        t2i = -(column_targets * F.log_softmax(logits.T, dim=1)).sum(dim=1).mean()
        entropy = -(targets * targets.clamp(min=1e-12).log()).sum(dim=1).mean()
        return {"loss": (i2t + t2i) / 2, "i2t": i2t.detach(), "t2i": t2i.detach(),
                "target_entropy": entropy.detach()}
