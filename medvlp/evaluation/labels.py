"""Turn 4-state labels (1 / 0 / -1 uncertain / NaN not mentioned) into binary targets plus a mask.

Policies are explicit so every benchmark states how it treated uncertain and unmentioned findings:
the CheXpert convention is "not mentioned = negative", and uncertain labels are left out by default.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

UnmentionedPolicy = Literal["negative", "ignore"]
UncertainPolicy = Literal["ignore", "positive", "negative"]


def binarize_labels(
    labels: np.ndarray,
    unmentioned: UnmentionedPolicy = "negative",
    uncertain: UncertainPolicy = "ignore",
) -> tuple[np.ndarray, np.ndarray]:
    """``labels`` float [N, K] -> (targets float [N, K] in {0, 1}, valid bool [N, K])."""
    labels = np.asarray(labels, dtype=np.float64)
    targets = np.where(labels == 1.0, 1.0, 0.0)
    valid = (labels == 1.0) | (labels == 0.0)
    missing = np.isnan(labels)
    if unmentioned == "negative":
        valid |= missing
    unsure = labels == -1.0
    if uncertain == "positive":
        targets[unsure] = 1.0
        valid |= unsure
    elif uncertain == "negative":
        valid |= unsure
    return targets, valid
