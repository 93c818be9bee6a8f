"""Segmentation probe: a (frozen by default) encoder pyramid feeding a trainable decoder.

The probe measures how much spatial information the encoder's features carry: only the decoder
learns unless ``train_encoder`` is set. Logits are upsampled to the mask size before the loss
(cross-entropy + soft Dice from MONAI, the usual pairing for small foregrounds).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from monai.losses import DiceCELoss
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.segmentation.decoders import DECODERS


class SegmentationProbe(nn.Module):
    """``[B, C, H, W]`` in [0, 1] -> class logits ``[B, num_classes, H, W]``."""

    def __init__(self, encoder: EvalEncoder, decoder: nn.Module, train_encoder: bool = False) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.train_encoder = train_encoder
        encoder.requires_grad_(train_encoder)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        with torch.set_grad_enabled(self.train_encoder and torch.is_grad_enabled()):
            features = self.encoder.forward_pyramid(images)
        logits = self.decoder([f.float() for f in features])
        return F.interpolate(logits, size=images.shape[-2:], mode="bilinear", align_corners=False)


@torch.no_grad()
def pyramid_channels(encoder: EvalEncoder, image_shape: tuple[int, ...]) -> list[int]:
    """Channels of each pyramid level, found with one dummy forward pass of shape ``[1, *image_shape]``."""
    encoder.eval()
    return [f.shape[1] for f in encoder.forward_pyramid(torch.zeros(1, *image_shape))]


@dataclass
class SegmentationConfig:
    decoder: str = "upernet"
    channels: int = 64
    epochs: int = 20
    batch_size: int = 8
    lr: float = 1e-3
    train_encoder: bool = False


def build_probe(encoder: EvalEncoder, num_classes: int, image_shape: tuple[int, ...],
                config: SegmentationConfig, seed: int) -> SegmentationProbe:
    """A probe over a private copy of ``encoder`` with a freshly (seeded) initialised decoder."""
    encoder = copy.deepcopy(encoder)
    channels = pyramid_channels(encoder, image_shape)
    with torch.random.fork_rng(devices=[]):  # seeded decoder init without touching the global RNG
        torch.manual_seed(seed)
        decoder = DECODERS.create(config.decoder, in_channels=channels, num_classes=num_classes,
                                  channels=config.channels)
    return SegmentationProbe(encoder, decoder, config.train_encoder)


def train_probe(probe: SegmentationProbe, images: torch.Tensor, masks: torch.Tensor,
                config: SegmentationConfig, seed: int) -> list[float]:
    """Fit on ``images [N, C, H, W]`` and int ``masks [N, H, W]``; returns the mean loss per epoch."""
    loss_fn = DiceCELoss(to_onehot_y=True, softmax=True)
    params = [p for p in probe.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr)
    loader = DataLoader(TensorDataset(images, masks), batch_size=config.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    history = []
    for _ in range(config.epochs):
        probe.train()
        probe.encoder.train(probe.train_encoder)  # frozen encoder keeps its BatchNorm statistics
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(probe(x), y.unsqueeze(1))
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(x)
        history.append(total / len(images))
    return history


@torch.no_grad()
def predict_masks(probe: SegmentationProbe, images: torch.Tensor, batch_size: int = 8) -> torch.Tensor:
    """``[N, C, H, W]`` -> predicted label maps ``[N, H, W]``."""
    probe.eval()
    return torch.cat([probe(b).argmax(dim=1) for b in torch.split(images, batch_size)])
