"""Slice poolers (registry ``POOLERS``): ``[B, Z, D]`` slice tokens + mask -> ``[B, D]`` + weights ``[B, Z]``.

Every pooler ignores padded slices (``mask`` False) exactly, and returns per-slice weights that sum
to one over the real slices, for visualisation.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from medvlp.registry import Registry

POOLERS: Registry[nn.Module] = Registry("slice pooler")


def masked_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """Softmax over the last axis ignoring masked entries. scores ``[B, Z]``, mask ``bool [B, Z]``."""
    scores = scores.float().masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1).nan_to_num(0.0)  # all-padding rows -> zeros, not NaN


@POOLERS.register("mean")
class MeanPooler(nn.Module):
    """Masked mean over slices.

    ``uses_positions = False``: the mean is blind to order, so a position code added to each slice would
    only add a content-free offset that changes with which slices were sampled (noise, not information).
    """

    uses_positions = False

    def __init__(self, dim: int, **_: Any) -> None:
        super().__init__()

    def forward(self, tokens: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        weights = mask.float() / mask.float().sum(1, keepdim=True).clamp_min(1.0)
        return torch.einsum("bz,bzd->bd", weights.to(tokens.dtype), tokens), weights


@POOLERS.register("max")
class MaxPooler(nn.Module):
    """Channel-wise max; a slice's weight is the share of channels whose maximum it holds."""

    def __init__(self, dim: int, **_: Any) -> None:
        super().__init__()

    def forward(self, tokens: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        filled = tokens.masked_fill(~mask.unsqueeze(-1), torch.finfo(tokens.dtype).min)
        pooled, winner = filled.max(dim=1)  # [B, D], [B, D]
        counts = torch.zeros(mask.shape, device=tokens.device).scatter_add_(
            1, winner, torch.ones_like(winner, dtype=torch.float32)
        )
        return pooled, counts / tokens.shape[-1]


@POOLERS.register("gated_attention", aliases=("abmil",))
class GatedAttentionPooler(nn.Module):
    """Gated attention MIL pooling (Ilse et al., 2018): ``a = softmax(w^T (tanh(V h) * sigmoid(U h)))``."""

    def __init__(self, dim: int, hidden: int = 128, **_: Any) -> None:
        super().__init__()
        self.value = nn.Linear(dim, hidden)
        self.gate = nn.Linear(dim, hidden)
        self.score = nn.Linear(hidden, 1)

    def forward(self, tokens: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        hidden = torch.tanh(self.value(tokens)) * torch.sigmoid(self.gate(tokens))
        weights = masked_softmax(self.score(hidden).squeeze(-1), mask)
        return torch.einsum("bz,bzd->bd", weights.to(tokens.dtype), tokens), weights


@POOLERS.register("transformer")
class TransformerPooler(nn.Module):
    """A small transformer over slice tokens, then a learned query attending to them (the default).

    Padded slices are excluded by key-padding masks in both steps; returns the query's attention
    (averaged over heads) as the slice weights.
    """

    def __init__(self, dim: int, depth: int = 1, heads: int = 4, mlp_ratio: float = 2.0,
                 dropout: float = 0.0, **_: Any) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(dim, heads, int(dim * mlp_ratio), dropout, batch_first=True,
                                           norm_first=True, activation="gelu")
        # nested tensors off: they zero padded outputs in eval only, making train/eval differ.
        self.context = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.query = nn.Parameter(torch.randn(1, 1, dim) * dim**-0.5)
        self.attend = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        padding = ~mask
        context = self.context(tokens, src_key_padding_mask=padding)
        query = self.query.expand(tokens.shape[0], -1, -1).to(context.dtype)
        pooled, weights = self.attend(query, context, context, key_padding_mask=padding,
                                      need_weights=True, average_attn_weights=True)
        return self.norm(pooled.squeeze(1)), weights.squeeze(1).float()


def create_pooler(name: str, dim: int, **kwargs: Any) -> nn.Module:
    return POOLERS.create(name, dim=dim, **kwargs)
