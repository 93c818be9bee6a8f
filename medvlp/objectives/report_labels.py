"""Which report labels a label-driven objective trains on, under one policy shared by every such loss.

Report labels follow the CheXpert labeler: 1 positive, 0 negated, -1 uncertain, NaN not mentioned.
Reports mostly name what is present and negate only some absent findings, so masking the unmentioned
ones leaves a finding that is never negated (e.g. pneumonia, support devices in most reports) with
positive targets only: a head trained that way learns "always present". The benchmark scores
unmentioned as negative (:func:`medvlp.evaluation.labels.binarize_labels`, the CheXpert
convention), and so do the objectives by default. A row with no stated label at all (an unlabelled or
empty report) says nothing about any finding and is left out entirely, never read as "all absent".
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

UnmentionedPolicy = Literal["negative", "ignore"]
UNMENTIONED_POLICIES: tuple[str, ...] = ("negative", "ignore")


def check_unmentioned(policy: str) -> None:
    if policy not in UNMENTIONED_POLICIES:
        raise ValueError(f"unmentioned must be one of {UNMENTIONED_POLICIES}, got {policy!r}")


def training_targets(labels: Tensor, unmentioned: UnmentionedPolicy = "negative") -> tuple[Tensor, Tensor]:
    """``labels`` float ``[B, K]`` -> (``positive`` bool ``[B, K]``, ``known`` bool ``[B, K]``).

    ``known`` marks the (sample, finding) pairs the loss uses: stated positives and negatives, plus the
    unmentioned ones of labelled rows when ``unmentioned == "negative"``; uncertain (-1) never.
    """
    check_unmentioned(unmentioned)
    positive = labels == 1
    known = positive | (labels == 0)
    if unmentioned == "negative":
        missing = torch.isnan(labels)
        labelled_row = (~missing).any(dim=1, keepdim=True)  # [B, 1]
        known = known | (missing & labelled_row)
    return positive, known
