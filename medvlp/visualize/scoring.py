"""Zero-shot scoring of single studies with a medvlp checkpoint, plus the local evidence behind it.

Probabilities come from the evaluation layer's zero-shot API (prompt ensembles, positive-vs-negative
softmax, max over sided variants). The same forward pass also yields the image tokens (for
patch-text similarity maps) and, for slice-pooling CT models, the slice attention.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from medvlp.evaluation.loaders import wrap_vlp_model
from medvlp.evaluation.prompts import knowledge_prompts, resolve_prompts
from medvlp.evaluation.zeroshot import TextEmbeddingCache, class_embeddings, scores_from_embeddings
from medvlp.models.vlp import VLPModel
from medvlp.utils.logging import get_logger
from medvlp.visualize.findings import sided_findings
from medvlp.visualize.heatmap import similarity_map
from medvlp.visualize.studies import StudyImage

log = get_logger(__name__)


@dataclass
class StudyScores:
    """Result for one study: ``probabilities`` finding -> [0, 1] and optional local evidence.

    ``heatmaps``: finding -> ``[H, W]`` cosine similarity map over the model input (2D), or
    ``[Z]`` per-slice similarity (3D). ``slice_attention``: ``[Z]`` pooling weights (3D).
    """

    study: StudyImage
    probabilities: dict[str, float]
    heatmaps: dict[str, np.ndarray]
    slice_attention: np.ndarray | None = None


class ZeroShotScorer:
    """Scores studies for fixed findings; text embeddings are computed once and reused."""

    def __init__(self, model: VLPModel, findings: Sequence[str], prompts: Mapping[str, Any] | None = None,
                 name: str = "medvlp") -> None:
        self.model = model.eval()
        self.encoder = wrap_vlp_model(model, name)
        self.findings = list(findings)
        modality = "3d" if model.config.modality == "ct" else "2d"
        noun = "chest CT scan" if modality == "3d" else "chest x-ray"
        merged = {**knowledge_prompts(self.findings, modality), **dict(prompts or {})}
        self.prompts = resolve_prompts(self.findings, merged, sided_findings(self.findings), noun)
        with torch.no_grad():
            # one [V, 2, D] tensor per finding: V variants x (negative, positive) class embeddings
            self.class_embeds = class_embeddings(self.encoder, self.prompts, TextEmbeddingCache())

    @torch.no_grad()
    def score(self, study: StudyImage) -> StudyScores:
        """One study -> probabilities, similarity maps and slice attention."""
        images = self.encoder.preprocessing(study.image[None].float())  # [1, C, *S] at the model size
        positions = None
        if study.slice_positions is not None and study.is_volume:
            positions = torch.as_tensor(study.slice_positions, dtype=torch.float32)[None]  # [1, Z]
        embeds, out = self.model.image_forward(images, slice_positions=positions)
        probs = scores_from_embeddings(embeds, self.class_embeds, self.encoder.logit_scale)[0]  # [K]
        heatmaps: dict[str, np.ndarray] = {}
        per_slice = (study.is_volume and out.tokens is not None
                     and out.tokens.shape[1] == study.image.shape[-1])
        if out.tokens is not None and (per_slice or not study.is_volume):
            tokens = F.normalize(self.model.image_proj(out.tokens[0]).float(), dim=-1)  # [N, D]
            for name, pairs in zip(self.findings, self.class_embeds, strict=True):
                positive = pairs[0, 1]  # first variant ("any"), positive class embedding [D]
                try:
                    heatmaps[name] = similarity_map(tokens, positive, tuple(study.image.shape[1:]))
                except ValueError as exc:  # tokens that are not a spatial grid: no map, scores still valid
                    log.warning("%s: no heatmap (%s)", study.path, exc)
                    break
        attention = None if out.slice_attention is None else out.slice_attention[0].float().numpy()
        return StudyScores(study, {n: float(p) for n, p in zip(self.findings, probs, strict=True)}, heatmaps, attention)
