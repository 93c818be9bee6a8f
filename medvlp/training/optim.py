"""AdamW parameter groups and the warmup + cosine learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from torch import nn

NO_DECAY_NAME_HINTS = ("logit_scale", "log_scale", "logit_bias", "bias", "temperature", "pos_embed",
                       "position_embedding", "cls_token")


def parameter_groups(modules: Iterable[nn.Module], weight_decay: float) -> list[dict[str, Any]]:
    """Two AdamW groups: decayed weights (matrices, kernels) and the rest.

    No decay for norm layers, biases, temperatures/scales and embeddings of positions, since
    shrinking them toward zero has no regularising meaning. Frozen parameters are left out.
    """
    decay, no_decay, seen = [], [], set()
    for module in modules:
        norm_params = {id(p) for m in module.modules() if _is_norm(m) for p in m.parameters(recurse=False)}
        for name, param in module.named_parameters():
            if not param.requires_grad or id(param) in seen:
                continue
            seen.add(id(param))
            leaf = name.rsplit(".", 1)[-1]
            if param.ndim <= 1 or id(param) in norm_params or any(h in leaf for h in NO_DECAY_NAME_HINTS):
                no_decay.append(param)
            else:
                decay.append(param)
    return [{"params": decay, "weight_decay": weight_decay, "name": "decay"},
            {"params": no_decay, "weight_decay": 0.0, "name": "no_decay"}]


def _is_norm(module: nn.Module) -> bool:
    norm_types = (nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, nn.modules.batchnorm._NormBase)
    return isinstance(module, norm_types) or "norm" in type(module).__name__.lower()


def warmup_cosine(step: int, warmup_steps: int, total_steps: int, min_ratio: float = 0.0) -> float:
    """LR multiplier: linear warmup from ~0 to 1 over ``warmup_steps``, then cosine to ``min_ratio``."""
    if warmup_steps > 0 and step < warmup_steps:
        return (step + 1) / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
