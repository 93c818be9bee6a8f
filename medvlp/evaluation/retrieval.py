"""Image-report retrieval metrics: instance Recall@K both ways and class-level Hit@K / Precision@K.

Instance retrieval matches by id (a study's images all match its one report), so multi-view studies
do not count their sibling views as misses. The class-level metrics follow the MIMIC 5x200 protocol:
a retrieved item is relevant when it carries the query's class.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F


def similarity(queries: torch.Tensor, gallery: torch.Tensor) -> torch.Tensor:
    """Cosine similarity ``[Q, D] x [G, D] -> [Q, G]``."""
    return F.normalize(queries.float(), dim=-1) @ F.normalize(gallery.float(), dim=-1).T


def _top_k(sim: torch.Tensor, k: int) -> np.ndarray:
    return sim.topk(min(k, sim.shape[1]), dim=1).indices.numpy()


def recall_at_k(
    queries: torch.Tensor,
    gallery: torch.Tensor,
    query_ids: Sequence[object],
    gallery_ids: Sequence[object],
    ks: Sequence[int] = (1, 5, 10),
) -> dict[int, float]:
    """Share of queries with at least one same-id item in the top K of the gallery (Hit@K with ids as classes)."""
    hits = class_retrieval(queries, gallery, query_ids, gallery_ids, ks)
    return {k: hits[f"Hit@{k}"] for k in ks}


def bidirectional_recall(
    image_embeds: torch.Tensor,
    text_embeds: torch.Tensor,
    image_ids: Sequence[object],
    text_ids: Sequence[object],
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, float]:
    """``image_to_text_R@K`` and ``text_to_image_R@K`` for each K."""
    i2t = recall_at_k(image_embeds, text_embeds, image_ids, text_ids, ks)
    t2i = recall_at_k(text_embeds, image_embeds, text_ids, image_ids, ks)
    out = {f"image_to_text_R@{k}": v for k, v in i2t.items()}
    out.update({f"text_to_image_R@{k}": v for k, v in t2i.items()})
    return out


def class_retrieval(
    queries: torch.Tensor,
    gallery: torch.Tensor,
    query_classes: Sequence[object],
    gallery_classes: Sequence[object],
    ks: Sequence[int] = (1, 5, 10),
) -> dict[str, float]:
    """Hit@K (any of the top K shares the query's class) and Precision@K (share of the top K that do)."""
    sim = similarity(queries, gallery)
    g_cls = np.asarray(gallery_classes, dtype=object)
    q_cls = np.asarray(query_classes, dtype=object)
    out = {}
    for k in ks:
        relevant = g_cls[_top_k(sim, k)] == q_cls[:, None]  # [Q, k]
        out[f"Hit@{k}"] = float(relevant.any(axis=1).mean())
        out[f"Precision@{k}"] = float(relevant.mean())
    return out
