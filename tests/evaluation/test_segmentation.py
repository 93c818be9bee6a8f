"""Segmentation decoders, masks, metrics and a tiny overfit of the probe."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from medvlp.evaluation.segmentation.decoders import DECODERS
from medvlp.evaluation.segmentation.masks import boxes_to_mask
from medvlp.evaluation.segmentation.metrics import segmentation_metrics
from medvlp.evaluation.segmentation.probe import SegmentationConfig, build_probe, predict_masks, train_probe
from medvlp.evaluation.toy import toy_encoder


@pytest.mark.parametrize("name", ["upernet", "unet"])
def test_decoder_output_shape(name: str) -> None:
    channels = [8, 16, 32, 64]
    features = [torch.randn(2, c, 32 // 2**i, 32 // 2**i) for i, c in enumerate(channels)]
    out = DECODERS.create(name, in_channels=channels, num_classes=3, channels=16)(features)
    assert out.shape == (2, 3, 32, 32)


def test_boxes_to_mask_clips_and_labels() -> None:
    mask = boxes_to_mask([(1, 1, 3, 2), (4.5, 0, 10, 1)], (4, 6), labels=[1, 2])
    expected = np.zeros((4, 6), dtype=np.int64)
    expected[1:2, 1:3] = 1
    expected[0:1, 4:6] = 2
    assert np.array_equal(mask, expected)


def test_metrics_against_hand_computed_dice_and_iou() -> None:
    target = torch.zeros(1, 4, 4, dtype=torch.long)
    target[0, :2, :2] = 1  # 4 foreground pixels
    pred = torch.zeros(1, 4, 4, dtype=torch.long)
    pred[0, :2, :1] = 1  # 2 pixels, both inside
    m = segmentation_metrics(pred, target, 2)
    assert m["dice"] == pytest.approx(2 * 2 / (4 + 2))
    assert m["iou"] == pytest.approx(2 / 4)
    background_dice = 2 * 12 / (12 + 14)
    assert m["dice_with_background_benchx"] == pytest.approx((background_dice + 2 * 2 / 6) / 2)


def test_probe_overfits_a_tiny_box_dataset() -> None:
    gen = torch.Generator().manual_seed(0)
    images = torch.rand(8, 1, 32, 32, generator=gen) * 0.2
    masks = torch.zeros(8, 32, 32, dtype=torch.long)
    for i in range(8):  # a bright box per image is the target
        r, c = 4 + 2 * i, 20 - 2 * i
        images[i, 0, r:r + 8, c:c + 8] = 1.0
        masks[i, r:r + 8, c:c + 8] = 1
    config = SegmentationConfig(decoder="upernet", channels=16, epochs=40, batch_size=8, lr=5e-3)
    probe = build_probe(toy_encoder(spatial_dims=2), 2, (1, 32, 32), config, seed=0)
    frozen = [p.clone() for p in probe.encoder.parameters()]
    history = train_probe(probe, images, masks, config, seed=0)
    dice = segmentation_metrics(predict_masks(probe, images), masks, 2)["dice"]
    assert history[-1] < history[0] * 0.5 and dice > 0.7
    assert all(torch.equal(a, b) for a, b in zip(frozen, probe.encoder.parameters()))


def _box_split(n: int, with_masks: bool):
    from medvlp.evaluation.data import EvalSplit

    images = torch.rand(n, 1, 32, 32, generator=torch.Generator().manual_seed(n)) * 0.2
    masks = np.zeros((n, 32, 32), dtype=np.int64)
    for i in range(n):
        images[i, 0, 8:16, 4 + i:12 + i] = 1.0
        masks[i] = boxes_to_mask([(4 + i, 8, 12 + i, 16)], (32, 32))
    ids = [f"p{i}" for i in range(n)]
    return EvalSplit(images, np.zeros((n, 1)), ["x"], ids, ids, ids, ids, masks if with_masks else None)


@pytest.mark.parametrize("with_masks", [True, False])
def test_segmentation_task_reports_dice_or_explains_the_skip(with_masks: bool) -> None:
    from medvlp.evaluation.errors import UnsupportedTaskError
    from medvlp.evaluation.tasks import TASKS, TaskContext
    from medvlp.evaluation.tasks.base import DatasetInfo

    task = TASKS.create("segmentation")
    params = task.Params(channels=16, epochs=30, batch_size=8, lr=5e-3)
    splits = {"train": _box_split(8, with_masks), "test": _box_split(4, with_masks)}
    ctx = TaskContext(toy_encoder(), DatasetInfo("boxes", "chexpert", "2d"), lambda split, f: splits[split],
                      None, 0, params)
    if not with_masks:
        with pytest.raises(UnsupportedTaskError, match="no boxes or masks"):
            task.run(ctx)
        return
    metrics = task.run(ctx).metrics
    assert metrics["dice"] > 0.6 and 0 < metrics["iou"] <= metrics["dice"]
    assert metrics["dice_with_background_benchx"] > metrics["dice"]  # background inflates it
