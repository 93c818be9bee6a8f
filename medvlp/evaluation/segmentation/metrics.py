"""Segmentation metrics with MONAI: foreground Dice and IoU, and BenchX's background-inclusive Dice.

BenchX reports the mean Dice over classes *including* background, which is inflated by the large,
easy background class; we report it under its own clearly labelled key next to the foreground ones.

Two averages of the foreground Dice:

* ``dice`` / ``iou``: per image and class, then averaged; an image with no foreground and an empty
  prediction counts 1.0 (MONAI ``ignore_empty=False``), so a single false-positive pixel on a healthy
  image costs that image's whole score.
* ``dice_pooled``: intersections and sizes summed over every test image first (as mmseg aggregates),
  the figure that ranks probes on datasets where most images are negative.

:func:`baseline_metrics` scores the trivial predictions (empty, everything foreground) with the same
functions, so a report can show what a probe must beat.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from monai.metrics import DiceMetric, MeanIoU


def one_hot(mask: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``[B, H, W]`` int -> ``[B, num_classes, H, W]`` float."""
    return F.one_hot(mask.long(), num_classes).permute(0, 3, 1, 2).float()


def pooled_dice(pred: torch.Tensor, true: torch.Tensor) -> float:
    """Foreground Dice of one-hot ``[B, C, H, W]`` maps pooled over images, mean over classes 1..C-1
    that occur in the target or the prediction (NaN when none does)."""
    inter = (pred[:, 1:] * true[:, 1:]).sum(dim=(0, 2, 3))
    sizes = pred[:, 1:].sum(dim=(0, 2, 3)) + true[:, 1:].sum(dim=(0, 2, 3))
    present = sizes > 0
    return float((2 * inter[present] / sizes[present]).mean()) if present.any() else float("nan")


def segmentation_metrics(predicted: torch.Tensor, target: torch.Tensor, num_classes: int) -> dict[str, float]:
    """Label maps ``[B, H, W]`` -> ``dice`` / ``iou`` (foreground, mean over images and classes),
    ``dice_pooled`` (foreground, pooled over images) and ``dice_with_background_benchx``."""
    pred, true = one_hot(predicted, num_classes), one_hot(target, num_classes)
    # an image with no foreground and an empty prediction counts as a perfect 1.0, not NaN
    fg_dice = torch.as_tensor(DiceMetric(include_background=False, ignore_empty=False)(pred, true))
    fg_iou = torch.as_tensor(MeanIoU(include_background=False, ignore_empty=False)(pred, true))
    all_dice = torch.as_tensor(DiceMetric(include_background=True, ignore_empty=False)(pred, true))
    return {
        "dice": float(fg_dice.mean()),
        "iou": float(fg_iou.mean()),
        "dice_pooled": pooled_dice(pred, true),
        "dice_with_background_benchx": float(all_dice.mean()),
    }


def baseline_metrics(target: torch.Tensor, num_classes: int) -> dict[str, float]:
    """``dice`` and ``dice_pooled`` of an all-background and of an all-class-1 prediction for ``[B, H, W]``."""
    out = {}
    for name, value in (("empty", 0), ("all_foreground", 1)):
        m = segmentation_metrics(torch.full_like(target, value), target, num_classes)
        out[f"baseline_{name}_dice"] = m["dice"]
        out[f"baseline_{name}_dice_pooled"] = m["dice_pooled"]
    return out
