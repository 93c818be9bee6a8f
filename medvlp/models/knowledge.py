"""Knowledge-enhanced text encoding (KAD / MedKLIP style).

Per-finding entity texts (name -> description, plain strings) are encoded by the text tower into
entity embeddings ``[K, D]``. They serve as zero-shot classifier weights, and as queries that
attend to a report's tokens to predict each finding's presence (logits ``[B, K]``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch.nn.functional as F
from torch import Tensor, nn

from medvlp.models.text import FixedTexts, TextEncoder


class KnowledgeModule(nn.Module):
    """Entity texts -> ``[K, D]`` embeddings; entity queries x report tokens -> presence logits ``[B, K]``."""

    def __init__(self, entity_texts: Mapping[str, str], text_encoder: TextEncoder, dim: int, heads: int = 4) -> None:
        super().__init__()
        if not entity_texts:
            raise ValueError("knowledge module needs at least one entity text")
        self.names = list(entity_texts)
        self.texts = [entity_texts[n] for n in self.names]
        self.entity_texts = FixedTexts(text_encoder, self.texts)  # the texts are stored in the model config
        self.cross_attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm = nn.LayerNorm(dim)
        self.classifier = nn.Linear(dim, 1)

    def entity_embeddings(self, text_encoder: TextEncoder, project: Callable[[Tensor], Tensor]) -> Tensor:
        """Encode the entity texts with the (shared) text tower and projection -> normalised ``[K, D]``."""
        return F.normalize(project(self.entity_texts(text_encoder)), dim=-1)

    def presence_logits(self, entity_embeds: Tensor, text_tokens: Tensor, token_mask: Tensor) -> Tensor:
        """Entities ``[K, D]`` attend to report tokens ``[B, L, D]`` (mask ``[B, L]``) -> logits ``[B, K]``."""
        mask = token_mask.bool().clone()
        mask[~mask.any(1), 0] = True  # an empty report still has a key to attend to (no NaN)
        queries = entity_embeds.unsqueeze(0).expand(text_tokens.shape[0], -1, -1).to(text_tokens.dtype)
        fused, _ = self.cross_attention(queries, text_tokens, text_tokens, key_padding_mask=~mask)
        return self.classifier(self.norm(fused + queries)).squeeze(-1)

    @staticmethod
    def zero_shot_logits(image_embeds: Tensor, entity_embeds: Tensor, logit_scale: Tensor) -> Tensor:
        """Entity embeddings as classifier weights: ``[B, D] x [K, D] -> [B, K]``."""
        return logit_scale * image_embeds @ entity_embeds.to(image_embeds.dtype).T


def default_entity_texts(label_names: list[str], modality: str | None = None) -> dict[str, str]:
    """Entity texts from the knowledge base (definition + appearance in ``modality``: ``radiograph``/``ct``).

    A finding the knowledge base does not describe falls back to its own name.
    """
    from medvlp.knowledge.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    return {name: kb.entity_text(name, modality) if name in kb else name.lower() for name in label_names}

