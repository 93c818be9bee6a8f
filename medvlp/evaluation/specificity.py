"""Is a zero-shot classifier finding-specific, or one shared "abnormal vs normal" score?

Two diagnostics beside the zero-shot AUROC:

* ``score_correlation``: mean absolute Pearson correlation between the findings' scores over the test
  images ``[N, K]``. Near 1 means every finding is ranked by the same score, so a finding's AUROC only
  reflects how often it co-occurs with other abnormalities.
* ``text_direction_cosine``: mean cosine between the findings' text directions (affirmed minus negated
  class embedding, first prompt variant). Near 1 means the text tower encodes negation but hardly
  which finding is negated.

Both are means over finding pairs; a finding with constant scores (no variance) is left out.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def score_correlation(scores: np.ndarray) -> float | None:
    """Mean |Pearson r| between columns of ``scores [N, K]``; None with fewer than two varying columns."""
    scores = np.asarray(scores, dtype=np.float64)
    varying = scores[:, scores.std(axis=0) > 0]
    if varying.shape[1] < 2 or varying.shape[0] < 3:
        return None
    corr = np.corrcoef(varying.T)
    upper = np.triu_indices(corr.shape[0], k=1)
    return float(np.abs(corr[upper]).mean())


def text_direction_cosine(class_embeds: list[torch.Tensor]) -> float | None:
    """Mean pairwise cosine of ``positive - negative`` over K findings' ``[V, 2, D]`` (rows negative, positive)."""
    if len(class_embeds) < 2:
        return None
    directions = F.normalize(torch.stack([(c[0, 1] - c[0, 0]).float() for c in class_embeds]), dim=-1)
    cos = directions @ directions.T
    upper = torch.triu_indices(len(class_embeds), len(class_embeds), offset=1)
    return float(cos[upper[0], upper[1]].mean())
