"""Zero-shot multi-label classification with prompt ensembles and cached text embeddings.

For each finding and variant, the positive and negative prompts are embedded, L2-normalised and
averaged (then re-normalised) into two class embeddings. An image's probability for the variant is
the softmax over ``scale * [cos(neg), cos(pos)]``; a finding's score is the max over its variants
(sided findings: left / right / bilateral). Text embeddings are computed once per model and prompt
set and kept in a :class:`TextEmbeddingCache`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.prompts import FindingPrompts, resolve_prompts


class TextEmbeddingCache:
    """(model identity, prompts) -> class embeddings ``[2, D]`` (negative, positive), computed once."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, tuple[str, ...], tuple[str, ...]], torch.Tensor] = {}
        self.misses = 0

    @torch.no_grad()
    def pair(self, model: EvalEncoder, positive: Sequence[str], negative: Sequence[str]) -> torch.Tensor:
        key = (model.identity, tuple(positive), tuple(negative))
        if key not in self._store:
            self.misses += 1
            self._store[key] = prompt_pair_embeddings(model, positive, negative)
        return self._store[key]


@torch.no_grad()
def prompt_pair_embeddings(model: EvalEncoder, positive: Sequence[str], negative: Sequence[str]) -> torch.Tensor:
    """Mean normalised embedding of each prompt group -> ``[2, D]`` rows (negative, positive)."""
    embeds = F.normalize(model.encode_text([*negative, *positive]).float(), dim=-1)
    neg, pos = embeds[: len(negative)].mean(0), embeds[len(negative):].mean(0)
    return F.normalize(torch.stack([neg, pos]), dim=-1)


def class_embeddings(
    model: EvalEncoder, findings: Sequence[FindingPrompts], cache: TextEmbeddingCache | None = None
) -> list[torch.Tensor]:
    """Per finding, the stacked variant pairs ``[V, 2, D]``."""
    if not model.has_text:
        raise UnsupportedTaskError(None, f"model {model.name!r} has no text encoder; zero-shot needs one")
    cache = cache or TextEmbeddingCache()
    return [
        torch.stack([cache.pair(model, v.positive, v.negative) for v in fp.variants.values()]) for fp in findings
    ]


def scores_from_embeddings(
    image_embeds: torch.Tensor, class_embeds: list[torch.Tensor], logit_scale: float
) -> torch.Tensor:
    """``[N, D]`` images x K findings of ``[V, 2, D]`` -> positive probabilities ``[N, K]``."""
    images = F.normalize(image_embeds.float(), dim=-1)
    out = []
    for pairs in class_embeds:
        logits = logit_scale * torch.einsum("nd,vcd->nvc", images, pairs)  # [N, V, 2]
        out.append(logits.softmax(dim=-1)[..., 1].amax(dim=1))  # max over variants
    return torch.stack(out, dim=1)


@torch.no_grad()
def encode_images(model: EvalEncoder, batches: Iterable[torch.Tensor],
                  z_extents: Iterable[torch.Tensor] | None = None) -> torch.Tensor:
    """Embed image batches ``[B, C, *S]`` -> ``[N, D]`` (eval mode, no grad); volumes may come with
    their z extents ``[B]`` mm (see :meth:`EvalEncoder.encode_image`)."""
    model.eval()
    if z_extents is None:
        return torch.cat([model.encode_image(b).float() for b in batches])
    return torch.cat([model.encode_image(b, e).float() for b, e in zip(batches, z_extents, strict=True)])


def as_eval_encoder(model: Any) -> EvalEncoder:
    """An :class:`EvalEncoder` as is; a medvlp ``VLPModel`` (or anything with ``encode_image``,
    ``encode_text``, ``visual`` and ``config``) wrapped with its card's preprocessing."""
    if isinstance(model, EvalEncoder):
        return model
    from medvlp.evaluation.loaders import wrap_vlp_model

    return wrap_vlp_model(model, type(model).__name__, identity=f"{type(model).__name__}@{id(model)}")


def zero_shot_scores(
    model: EvalEncoder | Any,
    images: torch.Tensor | Iterable[torch.Tensor],
    findings: Sequence[str],
    prompts: Mapping[str, Any] | None = None,
    batch_size: int = 16,
    cache: TextEmbeddingCache | None = None,
    sided: frozenset[str] = frozenset(),
    index: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Zero-shot probability of each finding for each image, as a DataFrame ``[N images, K findings]``.

    ``images`` is a tensor ``[N, C, *S]`` in [0, 1] or an iterable of such batches. ``prompts`` maps a
    finding to its prompts (see :func:`medvlp.evaluation.prompts.coerce_prompts`); findings without
    one use template prompts. ``model`` is an :class:`EvalEncoder` or a medvlp ``VLPModel``.
    Used by ``medvlp zeroshot``.
    """
    model = as_eval_encoder(model)
    if isinstance(images, torch.Tensor):
        images = torch.split(images, batch_size)
    finding_prompts = resolve_prompts(findings, prompts, sided)
    class_embeds = class_embeddings(model, finding_prompts, cache)
    probs = scores_from_embeddings(encode_images(model, images), class_embeds, model.logit_scale)
    return pd.DataFrame(probs.numpy().astype(np.float64), columns=list(findings), index=index)
