"""Is negation understood? Pair scoring vs positive-only scoring, and affirmed-vs-negated prompt twins.

Two checks per finding on the test split, with the same prompt sets the zero-shot task uses:

* **AUROC, pair vs positive-only.** The pair score is the zero-shot probability (softmax over
  ``scale * [cos(neg), cos(pos)]``, max over variants); the positive-only score is the cosine
  similarity to the positive class embedding alone (max over variants). If the text tower understands
  "no ...", subtracting the negated prompt removes what both prompts share (the finding's words) and
  the pair AUROC is higher.
* **Twins.** The curated prompt sets pair every positive prompt with a negated twin ("a chest CT
  scan showing X" / "a chest CT scan showing no X"). Over the positive studies of a finding, the
  fraction of (study, twin) pairs where the affirmed prompt is closer to the image than its negated
  twin (should be high); beside it, over the negative studies, the fraction where the negated twin
  is closer, ``negated_above_affirmed_on_negatives`` (should be high too).

Macro figures average over findings where the quantity is defined (AUROC: both classes present;
twin fractions: at least one positive / negative study and at least one twin pair).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.metrics import macro_summary, per_finding_metrics
from medvlp.evaluation.prompts import FindingPrompts


@dataclass
class FindingNegation:
    """Negation figures of one finding (None where undefined)."""

    name: str
    auroc_pair: float | None
    auroc_positive_only: float | None
    affirmed_above_negated_on_positives: float | None
    negated_above_affirmed_on_negatives: float | None
    n_twins: int


def twin_prompts(prompts: FindingPrompts) -> list[tuple[str, str]]:
    """(affirmed, negated) twins: index-aligned positive/negative prompts of the first variant whose
    lists have equal length (curated sets); an empty list when prompts are not paired."""
    for variant in prompts.variants.values():
        if len(variant.positive) == len(variant.negative):
            return list(zip(variant.positive, variant.negative, strict=True))
    return []


@torch.no_grad()
def twin_margins(model: EvalEncoder, image_embeds: torch.Tensor, twins: Sequence[tuple[str, str]]) -> np.ndarray:
    """``cos(image, affirmed_t) - cos(image, negated_t)`` as ``[N, T]`` for ``image_embeds [N, D]``."""
    if not twins:
        return np.zeros((image_embeds.shape[0], 0))
    texts = [t for pair in twins for t in pair]
    text = F.normalize(model.encode_text(texts).float(), dim=-1).reshape(len(twins), 2, -1)  # [T, 2, D]
    images = F.normalize(image_embeds.float(), dim=-1)
    sims = torch.einsum("nd,tcd->ntc", images, text)  # [N, T, 2]
    return (sims[..., 0] - sims[..., 1]).numpy().astype(np.float64)


def positive_only_scores(image_embeds: torch.Tensor, class_embeds: list[torch.Tensor]) -> np.ndarray:
    """Cosine to the positive class embedding, max over variants: ``[N, D]`` x K ``[V, 2, D]`` -> ``[N, K]``."""
    images = F.normalize(image_embeds.float(), dim=-1)
    cols = [torch.einsum("nd,vd->nv", images, pairs[:, 1]).amax(dim=1) for pairs in class_embeds]
    return torch.stack(cols, dim=1).numpy().astype(np.float64)


def _fraction(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None


def _mean(values: Sequence[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return float(np.mean(defined)) if defined else None


def negation_metrics(
    model: EvalEncoder, image_embeds: torch.Tensor, prompts: Sequence[FindingPrompts],
    class_embeds: list[torch.Tensor], pair_scores: np.ndarray, targets: np.ndarray, valid: np.ndarray,
) -> tuple[dict[str, float | None], list[FindingNegation]]:
    """Headline ``negation/*`` metrics and per-finding rows.

    ``image_embeds [N, D]``; ``class_embeds`` K x ``[V, 2, D]`` (rows negative, positive);
    ``pair_scores [N, K]`` the zero-shot probabilities; ``targets``/``valid`` ``[N, K]`` binary.
    """
    names = [p.finding for p in prompts]
    pos_only = positive_only_scores(image_embeds, class_embeds)
    pair_rows = per_finding_metrics(targets, pair_scores, valid, names)
    pos_rows = per_finding_metrics(targets, pos_only, valid, names)
    rows = []
    for k, fp in enumerate(prompts):
        twins = twin_prompts(fp)
        margins = twin_margins(model, image_embeds, twins)  # [N, T]
        positive = valid[:, k] & (targets[:, k] == 1)
        negative = valid[:, k] & (targets[:, k] == 0)
        rows.append(FindingNegation(
            fp.finding, pair_rows[k].auroc, pos_rows[k].auroc,
            _fraction(margins[positive] > 0) if twins else None,
            _fraction(margins[negative] < 0) if twins else None, len(twins)))
    headline = {
        "negation/auroc_pair": macro_summary(pair_rows)["macro_auroc"],
        "negation/auroc_positive_only": macro_summary(pos_rows)["macro_auroc"],
        "negation/affirmed_above_negated_on_positives": _mean([r.affirmed_above_negated_on_positives for r in rows]),
        "negation/negated_above_affirmed_on_negatives": _mean([r.negated_above_affirmed_on_negatives for r in rows]),
    }
    return headline, rows  # type: ignore[return-value]


def rows_as_dicts(rows: Sequence[FindingNegation]) -> list[dict[str, object]]:
    return [asdict(r) for r in rows]
