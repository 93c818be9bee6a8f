"""The relational memory's step equals R2Gen's update written with torch's own multi-head attention."""

from __future__ import annotations

import torch

from medvlp.evaluation.report_generation.memory import RelationalMemory


def reference_step(memory_module: RelationalMemory, token: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
    """The update as R2Gen states it, with ``nn.MultiheadAttention`` doing the attention."""
    keys = torch.cat([memory, token.unsqueeze(1)], dim=1)
    attended, _ = memory_module.attention(memory, keys, keys, need_weights=False)
    proposal = memory + attended
    proposal = proposal + memory_module.mlp(proposal)
    gates = memory_module.input_gate_proj(token).unsqueeze(1) + memory_module.memory_gate_proj(torch.tanh(memory))
    input_gate, forget_gate = torch.sigmoid(gates).chunk(2, dim=-1)
    return input_gate * torch.tanh(proposal) + forget_gate * memory


def test_step_and_sequence_match_torch_multihead_attention() -> None:
    torch.manual_seed(0)
    module = RelationalMemory(dim=32, slots=3, heads=4).train()
    tokens = torch.randn(5, 7, 32, requires_grad=True)
    memory = module.initial(5, tokens.device)
    expected = []
    for t in range(tokens.shape[1]):
        torch.testing.assert_close(module.step(tokens[:, t], memory), reference_step(module, tokens[:, t], memory))
        memory = reference_step(module, tokens[:, t], memory)
        expected.append(memory.flatten(1))
    ours = module(tokens)  # [B, T, S*D], token projections computed once for all steps
    torch.testing.assert_close(ours, torch.stack(expected, dim=1))
    ours.sum().backward()
    grad_ours = tokens.grad.clone()  # type: ignore[union-attr]
    tokens.grad = None
    torch.stack(expected, dim=1).sum().backward()
    torch.testing.assert_close(grad_ours, tokens.grad)
