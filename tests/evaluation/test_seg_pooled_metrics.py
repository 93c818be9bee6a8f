"""Pooled foreground Dice and the trivial-prediction baselines, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.segmentation.metrics import baseline_metrics, segmentation_metrics


def test_pooled_dice_sums_over_images_before_dividing() -> None:
    target = torch.zeros(2, 4, 4, dtype=torch.long)
    target[0, :2, :2] = 1  # image 0: 4 foreground pixels; image 1: none
    pred = torch.zeros(2, 4, 4, dtype=torch.long)
    pred[0, :2, :1] = 1  # 2 true positives
    pred[1, 0, 0] = 1  # 1 false positive on the empty image
    m = segmentation_metrics(pred, target, 2)
    assert m["dice_pooled"] == pytest.approx(2 * 2 / (3 + 4))
    assert m["dice"] == pytest.approx((2 * 2 / 6 + 0.0) / 2)  # the empty image scores 0 for one pixel


def test_baselines_score_empty_and_full_predictions() -> None:
    target = torch.zeros(2, 4, 4, dtype=torch.long)
    target[0, :2, :2] = 1
    b = baseline_metrics(target, 2)
    assert b["baseline_empty_dice"] == pytest.approx(0.5)  # image 1 empty-and-predicted-empty counts 1.0
    assert b["baseline_empty_dice_pooled"] == pytest.approx(0.0)
    assert b["baseline_all_foreground_dice"] == pytest.approx((2 * 4 / (16 + 4) + 0.0) / 2)
    assert b["baseline_all_foreground_dice_pooled"] == pytest.approx(2 * 4 / (32 + 4))


def test_with_masks_keeps_only_rows_that_have_one() -> None:
    images = torch.zeros(3, 1, 4, 4)
    masks = np.zeros((3, 4, 4), dtype=np.int64)
    masks[2, 0, 0] = 5
    split = EvalSplit(images, np.zeros((3, 1)), ["x"], ["a", "b", "c"], ["a", "b", "c"], ["", "", ""],
                      ["k0", "k1", "k2"], masks, np.array([True, False, True]))
    rows = split.with_masks()
    assert rows.sample_keys == ["k0", "k2"] and rows.masks is not None and rows.masks[1, 0, 0] == 5
    assert len(EvalSplit(images, np.zeros((3, 1)), ["x"], [], [], [], []).with_masks()) == 0
