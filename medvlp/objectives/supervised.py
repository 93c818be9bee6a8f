"""Supervised multi-label BCE on the image embedding: the baseline that locates a contrastive shortfall.

A linear head (owned by this loss, trained and checkpointed with the model) maps the model's image
embedding ``u_i`` (``keys.IMAGE_EMBEDS`` ``[B, D]``) to one logit per finding; with report labels
``y_ik`` (1 positive, 0 negated; unmentioned counts as negative in a labelled report, the CheXpert
convention the benchmark scores with; uncertain is masked out; :mod:`medvlp.objectives.report_labels`)::

    z_ik = <w_k, u_i> + b_k
    L = sum_{(i,k) known} BCE(z_ik, y_ik) / #known

Trained with the *same image encoder* and steps as a contrastive run, its test AUROC says whether
the image side can learn the findings at all (then a low zero-shot AUROC points at the objective /
text side). Standard multi-label training as in CheXNet (Rajpurkar et al., 2017). A batch without a
usable label gives a zero loss that still depends on the inputs (so DDP sees every parameter used).
The head's weights are exported beside the model (``objective.safetensors``, keys ``*.head.weight`` /
``*.head.bias``) for :mod:`medvlp.evaluation.supervised_head`. ``tower="text"`` puts the head on the
report embedding instead (``keys.TEXT_EMBEDS``): the text tower must then encode every finding linearly.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp import keys
from medvlp.objectives.registry import LOSSES
from medvlp.objectives.report_labels import UnmentionedPolicy, check_unmentioned, training_targets


@LOSSES.register("supervised_bce", aliases=("supervised",))
class SupervisedBCELoss(nn.Module):
    """Returns ``loss``, ``labelled_fraction`` and ``accuracy`` (on the labelled pairs, threshold 0)."""

    def __init__(self, embed_dim: int, n_labels: int, pos_weight: float | None = None,
                 unmentioned: UnmentionedPolicy = "negative", tower: Literal["image", "text"] = "image") -> None:
        super().__init__()
        check_unmentioned(unmentioned)
        if tower not in ("image", "text"):
            raise ValueError(f"supervised_bce tower must be 'image' or 'text', got {tower!r}")
        self.unmentioned = unmentioned
        self.embeds_key = keys.IMAGE_EMBEDS if tower == "image" else keys.TEXT_EMBEDS
        self.reads_text = tower == "text"  # on the image tower, training need not run the text tower
        if embed_dim < 1 or n_labels < 1:
            raise ValueError(f"supervised_bce needs embed_dim >= 1 and n_labels >= 1, got {embed_dim}, {n_labels}")
        self.head = nn.Linear(embed_dim, n_labels)
        self.pos_weight = pos_weight

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        image = outputs[self.embeds_key]  # [B, D]
        if keys.LABELS not in batch:
            raise ValueError("supervised_bce needs report labels in the batch (keys.LABELS)")
        labels = torch.as_tensor(batch[keys.LABELS], dtype=torch.float32, device=image.device)  # [B, K]
        if labels.shape[1] != self.head.out_features:
            raise ValueError(f"labels have {labels.shape[1]} findings but the head has {self.head.out_features} "
                             "(set kwargs.n_labels to the label set size)")
        logits = self.head(image.float())  # [B, K]
        positive, known = training_targets(labels, self.unmentioned)
        target = positive.to(logits.dtype)
        weight = None if self.pos_weight is None else torch.tensor(self.pos_weight, device=image.device)
        each = F.binary_cross_entropy_with_logits(logits, target, reduction="none", pos_weight=weight)
        loss = (each * known).sum() / known.sum().clamp(min=1) + 0.0 * logits.sum()
        correct = ((logits > 0) == (target > 0.5)) & known
        accuracy = correct.sum().float() / known.sum().clamp(min=1)
        return {"loss": loss, "labelled_fraction": known.float().mean().detach(), "accuracy": accuracy.detach()}
