"""End-to-end fine-tuning: encoder + LayerNorm + linear head, early stopping on validation AUROC.

The encoder learns at 0.1x the head's rate (a pretrained encoder needs only small updates), with a
linear warmup then cosine decay. The weights of the best validation epoch are restored and tested
once on the test split. A plain loop keeps this small and deterministic under a given seed.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.metrics import macro_values


class ClassifierHead(nn.Module):
    """Encoder embedding ``[B, D]`` -> LayerNorm -> Linear -> logits ``[B, K]``."""

    def __init__(self, encoder: EvalEncoder, embed_dim: int, num_classes: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Sequential(nn.LayerNorm(embed_dim), nn.Linear(embed_dim, num_classes))

    def forward(self, images: torch.Tensor, z_extent_mm: torch.Tensor | None = None) -> torch.Tensor:
        """``[B, C, *S]`` (+ volumes' z extents ``[B]`` mm, NaN = unknown) -> logits ``[B, K]``."""
        if z_extent_mm is not None and bool(torch.isnan(z_extent_mm).any()):
            z_extent_mm = None
        return self.head(self.encoder.encode_image(images, z_extent_mm).float())


@dataclass
class FineTuneConfig:
    """Optimisation settings; ``epochs`` is the cap, ``patience`` the early-stopping window."""

    epochs: int = 10
    batch_size: int = 16
    head_lr: float = 1e-3
    encoder_lr_ratio: float = 0.1
    weight_decay: float = 1e-4
    warmup_fraction: float = 0.1
    patience: int = 3


@dataclass
class FineTuneResult:
    test_scores: np.ndarray  # [N_test, K] probabilities from the best-on-validation weights
    best_epoch: int
    validation_history: list[float] = field(default_factory=list)


def warmup_cosine(total_steps: int, warmup_steps: int) -> Callable[[int], float]:
    """LR multiplier: linear 0 -> 1 over ``warmup_steps``, then cosine 1 -> 0."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / max(1, warmup_steps)
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _masked_bce(logits: torch.Tensor, targets: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    loss = nn.functional.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    return (loss * valid).sum() / valid.sum().clamp_min(1.0)


def _extents(n: int, extents: np.ndarray | torch.Tensor | None) -> torch.Tensor:
    """Volumes' z extents ``[n]`` mm as a tensor (NaN where unknown: the encoder's default positions)."""
    return torch.full((n,), math.nan) if extents is None else torch.as_tensor(extents, dtype=torch.float32)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, batch_size: int,
            z_extent_mm: np.ndarray | torch.Tensor | None = None) -> np.ndarray:
    model.eval()
    extents = _extents(len(images), z_extent_mm)
    return torch.cat([model(b, e).sigmoid() for b, e in zip(torch.split(images, batch_size), extents.split(batch_size),
                                                              strict=True)]).numpy().astype(np.float64)


def fine_tune(
    encoder: EvalEncoder,
    train: tuple[torch.Tensor, np.ndarray, np.ndarray],
    validation: tuple[torch.Tensor, np.ndarray, np.ndarray],
    test_images: torch.Tensor,
    config: FineTuneConfig,
    seed: int,
    z_extents_mm: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None] = (None, None, None),
) -> FineTuneResult:
    """Train on (images [N, C, *S], targets [N, K], valid [N, K]); test once with the best weights.

    ``encoder`` is deep-copied, so the caller's model stays untouched for the next run.
    ``z_extents_mm``: the volumes' z extents of train / validation / test (see ``EvalSplit``), or None.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # seeded head init without touching the global RNG
        torch.manual_seed(seed)
        model = ClassifierHead(copy.deepcopy(encoder), encoder.embed_dim, train[1].shape[1])
    optimizer = torch.optim.AdamW(
        [{"params": model.encoder.parameters(), "lr": config.head_lr * config.encoder_lr_ratio},
         {"params": model.head.parameters(), "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    data = TensorDataset(train[0], torch.as_tensor(train[1]).float(), torch.as_tensor(train[2]).float(),
                         _extents(len(train[0]), z_extents_mm[0]))
    loader = DataLoader(data, batch_size=config.batch_size, shuffle=True, generator=generator)
    total = config.epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, warmup_cosine(total, int(config.warmup_fraction * total)))
    best_state, best_value, best_epoch, history, stale = None, -math.inf, -1, [], 0
    for epoch in range(config.epochs):
        model.train()
        for images, targets, valid, extents in loader:
            optimizer.zero_grad()
            _masked_bce(model(images, extents), targets, valid).backward()
            optimizer.step()
            scheduler.step()
        value = macro_values(validation[1], predict(model, validation[0], config.batch_size, z_extents_mm[1]),
                             validation[2])
        # AUROC when defined; accuracy otherwise (both: higher is better)
        score = value["macro_auroc"] if not np.isnan(value["macro_auroc"]) else value["macro_accuracy"]
        history.append(float(score))
        if score > best_value:
            best_state, best_value, best_epoch, stale = copy.deepcopy(model.state_dict()), score, epoch, 0
        else:
            stale += 1
            if stale >= config.patience:
                break
    assert best_state is not None
    model.load_state_dict(best_state)
    return FineTuneResult(predict(model, test_images, config.batch_size, z_extents_mm[2]), best_epoch, history)
