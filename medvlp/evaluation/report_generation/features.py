"""Image tokens of studies: any encoder -> ``[B, N, D]`` tokens, views of a study concatenated on N.

:func:`token_function` adapts an :class:`EvalEncoder` (or takes any callable giving ``[B, N, D]``):
medvlp VLP models give their image tower's local tokens; encoders with a feature pyramid give the
cells of their coarsest map; anything else gives its pooled embedding as a single token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

TokenFn = Callable[[Tensor], Tensor]  # images [B, C, *S] in [0, 1] -> tokens [B, N, D]


def token_function(encoder: object) -> TokenFn:
    """Tokens ``[B, N, D]`` from an ``EvalEncoder`` (or ``encoder`` itself if it is a plain callable)."""
    from medvlp.evaluation.encoders import EvalEncoder

    if not isinstance(encoder, EvalEncoder):
        return encoder  # type: ignore[return-value]
    visual = getattr(encoder.backbone, "visual", None)
    if visual is not None and hasattr(encoder.backbone, "image_proj"):  # a medvlp VLPModel

        def vlp_tokens(images: Tensor) -> Tensor:
            out = visual(encoder.preprocessing(images))
            return out.tokens if out.tokens is not None else out.pooled[:, None]

        return vlp_tokens
    if encoder.has_pyramid:
        return lambda images: encoder.forward_pyramid(images)[-1].flatten(2).transpose(1, 2)
    return lambda images: encoder.encode_image(images)[:, None]


def encode_tokens(token_fn: TokenFn, images: Tensor, batch_size: int = 16) -> Tensor:
    """``[M, C, *S]`` images -> ``[M, N, D]`` tokens, in batches, without gradients."""
    with torch.no_grad():
        return torch.cat([token_fn(images[i:i + batch_size]).float() for i in range(0, len(images), batch_size)])


@dataclass
class Study:
    """One study: its id, reference report, and the rows (images) of its views."""

    study_id: str
    report: str
    rows: list[int]


def group_studies(studies: Sequence[str], reports: Sequence[str]) -> list[Study]:
    """Rows of an image-level split grouped by study, in first-seen order (views share the report)."""
    grouped: dict[str, Study] = {}
    for row, (study, report) in enumerate(zip(studies, reports)):
        grouped.setdefault(study, Study(study, report, [])).rows.append(row)
    return list(grouped.values())


def study_batch(tokens: Tensor, groups: Sequence[Sequence[int]], max_views: int | None = None) -> tuple[Tensor, Tensor]:
    """Per-image ``tokens [M, N, D]`` -> per-study ``[B, V*N, D]`` (views concatenated, zero-padded)
    and ``mask bool [B, V*N]`` (True = real token). A study with no views gets an all-False row."""
    per_image, dim = tokens.shape[1], tokens.shape[2]
    views = [list(g)[:max_views] for g in groups]
    width = max([len(v) for v in views] + [1]) * per_image
    out = tokens.new_zeros(len(views), width, dim)
    mask = torch.zeros(len(views), width, dtype=torch.bool, device=tokens.device)
    for i, rows in enumerate(views):
        if rows:
            flat = tokens[torch.as_tensor(rows, device=tokens.device)].reshape(-1, dim)
            out[i, :len(flat)], mask[i, :len(flat)] = flat, True
    return out, mask
