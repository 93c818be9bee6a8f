"""Transformer report decoder over image tokens, with an optional R2Gen relational-memory variant.

``memory_slots = 0`` gives a plain pre-norm :class:`torch.nn.TransformerDecoder`; ``memory_slots > 0``
swaps in decoder layers whose three layer norms are conditioned on the relational memory (MCLN),
which is what R2Gen adds on top of the vanilla transformer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from medvlp.evaluation.report_generation.memory import MemoryConditionedLayerNorm, RelationalMemory


@dataclass
class DecoderConfig:
    vocab_size: int
    feature_dim: int  # width D of the encoder tokens [B, N, D]
    d_model: int = 512
    layers: int = 3
    heads: int = 8
    ff_dim: int = 512
    dropout: float = 0.1
    memory_slots: int = 3  # 0 = plain transformer decoder (no relational memory)
    max_length: int = 60  # words per report, excluding <bos>/<eos>
    max_visual_tokens: int = 1024  # learned positions of the (views x tokens) image tokens


class MemoryDecoderLayer(nn.Module):
    """Pre-norm decoder layer (self-attn, cross-attn, FFN) with memory-conditioned layer norms."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        d, memory_dim = cfg.d_model, cfg.d_model * cfg.memory_slots
        self.self_attn = nn.MultiheadAttention(d, cfg.heads, cfg.dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d, cfg.heads, cfg.dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, cfg.ff_dim), nn.ReLU(), nn.Dropout(cfg.dropout), nn.Linear(cfg.ff_dim, d))
        self.norms = nn.ModuleList(MemoryConditionedLayerNorm(d, memory_dim) for _ in range(3))
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: Tensor, visual: Tensor, visual_pad: Tensor, causal: Tensor, memory: Tensor) -> Tensor:
        """``x [B, T, d]``, ``visual [B, N, d]``, ``visual_pad bool [B, N]``, ``memory [B, T, S*d]``."""
        h = self.norms[0](x, memory)
        x = x + self.drop(self.self_attn(h, h, h, attn_mask=causal, need_weights=False)[0])
        h = self.norms[1](x, memory)
        x = x + self.drop(self.cross_attn(h, visual, visual, key_padding_mask=visual_pad, need_weights=False)[0])
        return x + self.drop(self.ff(self.norms[2](x, memory)))


class ReportDecoder(nn.Module):
    """``(tokens [B, N, D], token_mask bool [B, N], input_ids [B, T]) -> logits [B, T, V]``."""

    def __init__(self, cfg: DecoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.d_model
        # R2Gen's att_embed (linear + ReLU). No LayerNorm here: it would erase token magnitudes when
        # features are narrow. Cross-attention is order-blind, so tokens get learned positions
        # (index over the concatenated views: it also tells views apart).
        self.visual_proj = nn.Sequential(nn.Linear(cfg.feature_dim, d), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.visual_position = nn.Embedding(cfg.max_visual_tokens, d)
        # A learned key that is always present, so cross-attention is defined even for padded rows.
        self.visual_sink = nn.Parameter(torch.zeros(1, 1, d))
        self.embed = nn.Embedding(cfg.vocab_size, d, padding_idx=0)
        self.position = nn.Embedding(cfg.max_length + 2, d)
        self.memory: RelationalMemory | None = None
        if cfg.memory_slots > 0:
            self.memory = RelationalMemory(d, cfg.memory_slots, cfg.heads)
            self.memory_layers = nn.ModuleList(MemoryDecoderLayer(cfg) for _ in range(cfg.layers))
        else:
            layer = nn.TransformerDecoderLayer(d, cfg.heads, cfg.ff_dim, cfg.dropout, batch_first=True, norm_first=True)
            self.decoder = nn.TransformerDecoder(layer, cfg.layers)
        self.final_norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, cfg.vocab_size)

    def encode_visual(self, tokens: Tensor, token_mask: Tensor) -> tuple[Tensor, Tensor]:
        """``[B, N, D]``, ``bool [B, N]`` (True = real) -> keys ``[B, N+1, d]`` and padding ``bool [B, N+1]``."""
        if tokens.shape[1] > self.visual_position.num_embeddings:
            raise ValueError(f"{tokens.shape[1]} image tokens exceed max_visual_tokens = "
                             f"{self.visual_position.num_embeddings}")
        visual = self.visual_proj(tokens) + self.visual_position(torch.arange(tokens.shape[1], device=tokens.device))
        sink = self.visual_sink.expand(tokens.shape[0], -1, -1)
        pad = torch.cat([torch.zeros_like(token_mask[:, :1]), ~token_mask], dim=1)
        return torch.cat([sink, visual], dim=1), pad

    def decode(self, visual: Tensor, visual_pad: Tensor, input_ids: Tensor, memory: Tensor | None = None) -> Tensor:
        """Encoded visual keys + ``input_ids [B, T]`` -> logits ``[B, T, V]``.

        ``memory [B, T, S*d]``: relational-memory states already computed for this prefix (decoding
        keeps them step by step instead of re-running the memory over the whole prefix)."""
        steps = input_ids.shape[1]
        if steps > self.position.num_embeddings:
            raise ValueError(f"{steps} decoder steps exceed max_length + 2 = {self.position.num_embeddings}")
        words = self.embed(input_ids)
        x = words + self.position(torch.arange(steps, device=input_ids.device))
        causal = torch.triu(torch.ones(steps, steps, dtype=torch.bool, device=x.device), diagonal=1)
        if self.memory is not None:
            memory = self.memory(words) if memory is None else memory
            for layer in self.memory_layers:
                x = layer(x, visual, visual_pad, causal, memory)
        else:
            x = self.decoder(x, visual, tgt_mask=causal, memory_key_padding_mask=visual_pad, tgt_is_causal=True)
        return self.head(self.final_norm(x))

    def forward(self, tokens: Tensor, token_mask: Tensor, input_ids: Tensor) -> Tensor:
        return self.decode(*self.encode_visual(tokens, token_mask), input_ids)


def teacher_forcing_loss(decoder: ReportDecoder, tokens: Tensor, token_mask: Tensor, ids: Tensor) -> Tensor:
    """Mean next-word cross-entropy of ``ids [B, L]`` (``<bos> .. <eos> <pad>..``), padding ignored."""
    logits = decoder(tokens, token_mask, ids[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), ignore_index=0)
