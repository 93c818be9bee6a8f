"""Finding pair-text embeddings: the text tower encodes affirmed/negated finding sentences.

The texts (:mod:`medvlp.knowledge.pair_texts`) are tokenised once; every forward re-encodes them
with the current text tower so the label-pair objective trains the tower on exactly the contrast
zero-shot evaluation reads (affirmed vs negated).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp.knowledge.pair_texts import FindingPairTexts
from medvlp.models.text import FixedTexts, TextEncoder


class FindingPairModule(nn.Module):
    """Pair texts ``[K, 2, V]`` -> normalised class embeddings ``[K, 2, D]`` (index 0 affirmed, 1 negated)."""

    def __init__(self, texts: FindingPairTexts, text_encoder: TextEncoder, label_index: Sequence[int]) -> None:
        super().__init__()
        if len(label_index) != len(texts.names):
            raise ValueError(f"{len(texts.names)} pair findings but {len(label_index)} label indices")
        self.names = list(texts.names)
        self.variants = texts.variants
        self.pair_texts = FixedTexts(text_encoder, texts.flat())
        # column of each finding in the batch's LABELS [B, K]
        self.label_index: Tensor
        self.register_buffer("label_index", torch.as_tensor(list(label_index), dtype=torch.long), persistent=False)

    def index(self) -> Tensor:
        """long ``[K]``: the column of each pair's finding in the batch's ``LABELS``."""
        return self.label_index

    def embeddings(self, text_encoder: TextEncoder, project: Callable[[Tensor], Tensor]) -> Tensor:
        """``[K, 2, D]``: mean of the L2-normalised variant embeddings, normalised again."""
        pooled = F.normalize(project(self.pair_texts(text_encoder)), dim=-1)  # [K*2*V, D]
        grouped = pooled.reshape(len(self.names), 2, self.variants, -1).mean(dim=2)
        return F.normalize(grouped, dim=-1)
