"""R2Gen's relational memory (Chen et al. 2020) and the memory-conditioned layer norm (MCLN).

A small matrix of ``slots`` memory rows is updated once per generated token: the rows attend over
themselves plus the current token embedding (multi-head attention + MLP), and LSTM-style input /
forget gates blend the proposal with the previous memory. The decoder's layer norms then take their
scale and shift from the memory, so patterns shared across reports ("no acute cardiopulmonary
abnormality") can be carried from step to step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RelationalMemory(nn.Module):
    """Memory ``[B, S, D]`` updated per step from token embeddings ``[B, D]``."""

    def __init__(self, dim: int, slots: int = 3, heads: int = 8) -> None:
        super().__init__()
        self.dim, self.slots = dim, slots
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim), nn.ReLU())
        self.input_gate_proj = nn.Linear(dim, 2 * dim)
        self.memory_gate_proj = nn.Linear(dim, 2 * dim)

    def initial(self, batch: int, device: torch.device) -> Tensor:
        """Identity-like start ``[B, S, D]`` (one-hot rows, zero-padded), as in R2Gen."""
        eye = torch.eye(self.slots, self.dim, device=device)
        return eye.unsqueeze(0).expand(batch, -1, -1)

    def token_projections(self, tokens: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Attention key, value and gate inputs of token embeddings ``[..., D]``.

        They do not depend on the memory, so teacher forcing computes them for all steps at once."""
        d, weight, bias = self.dim, self.attention.in_proj_weight, self.attention.in_proj_bias
        key = F.linear(tokens, weight[d:2 * d], bias[d:2 * d])
        value = F.linear(tokens, weight[2 * d:], bias[2 * d:])
        return key, value, self.input_gate_proj(tokens)

    def _attend(self, memory: Tensor, token_key: Tensor, token_value: Tensor) -> Tensor:
        """``self.attention(memory, [memory; token], [memory; token])`` with the token's projections
        given: the same parameters and result as :class:`nn.MultiheadAttention` (tests compare them),
        without its per-call overhead, which dominated this 60-step sequential loop."""
        (b, s, d), heads = memory.shape, self.attention.num_heads
        q, k, v = F.linear(memory, self.attention.in_proj_weight, self.attention.in_proj_bias).chunk(3, dim=-1)
        k = torch.cat([k, token_key.unsqueeze(1)], dim=1)
        v = torch.cat([v, token_value.unsqueeze(1)], dim=1)
        q, k, v = (t.reshape(b, t.shape[1], heads, d // heads).transpose(1, 2) for t in (q, k, v))
        out = F.scaled_dot_product_attention(q, k, v)  # [B, H, S, D/H]; the attention has no dropout
        return self.attention.out_proj(out.transpose(1, 2).reshape(b, s, d))

    def step(self, token: Tensor, memory: Tensor,
             projections: tuple[Tensor, Tensor, Tensor] | None = None) -> Tensor:
        """``token [B, D]``, ``memory [B, S, D]`` -> next memory ``[B, S, D]``.

        ``projections``: this token's :meth:`token_projections`, when already computed."""
        token_key, token_value, token_gate = projections if projections is not None else self.token_projections(token)
        proposal = memory + self._attend(memory, token_key, token_value)
        proposal = proposal + self.mlp(proposal)
        gates = token_gate.unsqueeze(1) + self.memory_gate_proj(torch.tanh(memory))
        input_gate, forget_gate = torch.sigmoid(gates).chunk(2, dim=-1)
        return input_gate * torch.tanh(proposal) + forget_gate * memory

    def forward(self, tokens: Tensor) -> Tensor:
        """Run over ``tokens [B, T, D]`` -> flattened memory after each step ``[B, T, S * D]``."""
        memory = self.initial(tokens.shape[0], tokens.device)
        keys, values, gates = self.token_projections(tokens)
        states = []
        for t in range(tokens.shape[1]):
            memory = self.step(tokens[:, t], memory, (keys[:, t], values[:, t], gates[:, t]))
            states.append(memory.flatten(1))
        return torch.stack(states, dim=1)


class MemoryConditionedLayerNorm(nn.Module):
    """LayerNorm over ``x [B, T, D]`` whose scale/shift are offset by MLPs of the memory ``[B, T, S*D]``."""

    def __init__(self, dim: int, memory_dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=eps, elementwise_affine=False)
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))
        self.delta_gamma = nn.Sequential(nn.Linear(memory_dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.delta_beta = nn.Sequential(nn.Linear(memory_dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        # Start as a plain LayerNorm: the memory's influence is learned, not imposed at init.
        for mlp in (self.delta_gamma, self.delta_beta):
            last = mlp[-1]
            assert isinstance(last, nn.Linear)
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    def forward(self, x: Tensor, memory: Tensor) -> Tensor:
        return self.norm(x) * (self.gamma + self.delta_gamma(memory)) + self.beta + self.delta_beta(memory)
