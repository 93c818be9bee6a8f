"""Segmentation metrics with MONAI: foreground Dice and IoU, and BenchX's background-inclusive Dice.

BenchX reports the mean Dice over classes *including* background, which is inflated by the large,
easy background class; we report it under its own clearly labelled key next to the foreground ones.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from monai.metrics import DiceMetric, MeanIoU


def one_hot(mask: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``[B, H, W]`` int -> ``[B, num_classes, H, W]`` float."""
    return F.one_hot(mask.long(), num_classes).permute(0, 3, 1, 2).float()


def segmentation_metrics(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict[str, float]:
    """Label maps ``[B, H, W]`` -> ``dice`` / ``iou`` (foreground, mean over images and classes) and
    ``dice_with_background_benchx`` (background-inclusive mean Dice)."""
    pred, true = one_hot(predicted, num_classes), one_hot(target, num_classes)
    # an image with no foreground and an empty prediction counts as a perfect 1.0, not NaN
    fg_dice = torch.as_tensor(DiceMetric(include_background=False, ignore_empty=False)(pred, true))
    fg_iou = torch.as_tensor(MeanIoU(include_background=False, ignore_empty=False)(pred, true))
    all_dice = torch.as_tensor(DiceMetric(include_background=True, ignore_empty=False)(pred, true))
    return {
        "dice": float(fg_dice.mean()),
        "iou": float(fg_iou.mean()),
        "dice_with_background_benchx": float(all_dice.mean()),
    }
