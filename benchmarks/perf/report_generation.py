"""Report-generation hot loops: medvlp's versions against the straightforward ones, same process.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/report_generation.py``

1. R2Gen relational memory, teacher forcing (forward + backward over a ``[B, T, d]`` batch):
   ``RelationalMemory.forward`` (token projections once, attention with the module's own weights)
   against the same update written with ``nn.MultiheadAttention`` per step (the peer; equal values,
   ``tests/evaluation/report_generation/test_rg_memory.py``).
2. Clinical-efficacy bootstrap (micro + macro P/R/F1 per resample): medvlp's count-based
   ``efficacy_values`` against sklearn's ``precision_recall_fscore_support`` (the peer; equal values,
   ``tests/evaluation/report_generation/test_rg_clinical.py``).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from sklearn.metrics import precision_recall_fscore_support
from timing import best_seconds  # benchmarks/perf/timing.py (the script's own directory)

from medvlp.evaluation.report_generation.clinical import efficacy_values
from medvlp.evaluation.report_generation.memory import RelationalMemory


def peer_memory_forward(module: RelationalMemory, tokens: torch.Tensor) -> torch.Tensor:
    memory, states = module.initial(tokens.shape[0], tokens.device), []
    for t in range(tokens.shape[1]):
        token = tokens[:, t]
        keys = torch.cat([memory, token.unsqueeze(1)], dim=1)
        proposal = memory + module.attention(memory, keys, keys, need_weights=False)[0]
        proposal = proposal + module.mlp(proposal)
        gates = module.input_gate_proj(token).unsqueeze(1) + module.memory_gate_proj(torch.tanh(memory))
        input_gate, forget_gate = torch.sigmoid(gates).chunk(2, dim=-1)
        memory = input_gate * torch.tanh(proposal) + forget_gate * memory
        states.append(memory.flatten(1))
    return torch.stack(states, dim=1)


def sklearn_efficacy(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    out = {}
    for average in ("micro", "macro"):
        p, r, f, _ = precision_recall_fscore_support(truth, pred, average=average, zero_division=0)
        out.update({f"ce_{average}_precision": p, f"ce_{average}_recall": r, f"ce_{average}_f1": f})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--studies", type=int, default=335)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    module = RelationalMemory(args.dim, args.slots, args.heads)
    tokens = torch.randn(args.batch, args.steps, args.dim, requires_grad=True)
    ours = best_seconds(lambda: module(tokens).sum().backward(), args.repeats)
    peer = best_seconds(lambda: peer_memory_forward(module, tokens).sum().backward(), args.repeats)
    print(f"relational memory fwd+bwd, B={args.batch} T={args.steps} d={args.dim} slots={args.slots}: "
          f"medvlp {ours * 1e3:.1f} ms, nn.MultiheadAttention per step {peer * 1e3:.1f} ms, ratio {ours / peer:.2f}")

    rng = np.random.default_rng(0)
    truth, pred = rng.random((args.studies, 14)) < 0.2, rng.random((args.studies, 14)) < 0.2
    rows = [rng.integers(0, args.studies, args.studies) for _ in range(args.resamples)]
    ours = best_seconds(lambda: [efficacy_values(truth[r], pred[r]) for r in rows], args.repeats)
    peer = best_seconds(lambda: [sklearn_efficacy(truth[r], pred[r]) for r in rows], args.repeats)
    print(f"clinical-efficacy bootstrap, {args.resamples} resamples of {args.studies} studies: medvlp "
          f"{ours * 1e3:.1f} ms, sklearn {peer * 1e3:.1f} ms, ratio {ours / peer:.3f}")


if __name__ == "__main__":
    main()
