"""Segmentation probe task: frozen encoder pyramid + UperNet / U-Net decoder, Dice and IoU on test.

Masks come from the ingest shards (``<key>.mask.npy``: synthetic painter masks, a source manifest's
``mask_path``, or its ``boxes`` rasterised by :func:`medvlp.data.masks.boxes_to_mask`). Only samples
with a mask take part (e.g. frontal radiographs of the synthetic set; lateral views have none). With
``num_classes: 2`` (the default) every non-zero label is foreground; otherwise mask values must be
class indices below ``num_classes``. A dataset without masks gives a recorded, explained skip.

The seed matters here (decoder initialisation and batch order), so the task runs once per seed.
Besides the probe's metrics the output carries the trivial baselines (empty and all-foreground
predictions) scored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.segmentation.metrics import baseline_metrics, segmentation_metrics
from medvlp.evaluation.segmentation.probe import SegmentationConfig, build_probe, predict_masks, train_probe
from medvlp.evaluation.tasks.base import TASKS, Task, TaskContext, TaskOutput

NOTE = ("dice/iou: foreground, mean over images (an empty image predicted empty counts 1.0); dice_pooled: "
        "foreground pooled over all test pixels; dice_with_background_benchx: background-inclusive mean Dice as "
        "BenchX reports it; baseline_*: empty / all-foreground predictions scored the same way")


def _targets(split: EvalSplit, num_classes: int, dataset: str, which: str) -> tuple[EvalSplit, torch.Tensor]:
    """The rows with masks and their targets ``int64 [N, H, W]`` (binarised for two classes)."""
    rows = split.with_masks()
    if len(rows) == 0 or rows.masks is None:
        raise UnsupportedTaskError(None, f"dataset {dataset!r} provides no boxes or masks on {which}")
    masks = rows.masks
    if num_classes == 2:
        masks = (masks > 0).astype(np.int64)
    elif masks.max() >= num_classes:
        raise UnsupportedTaskError(None, f"dataset {dataset!r} has mask value {int(masks.max())} on {which}, "
                                         f"not below num_classes={num_classes}")
    return rows, torch.as_tensor(masks)


@TASKS.register("segmentation")
class SegmentationTask(Task):
    name = "segmentation"

    @dataclass
    class Params(SegmentationConfig):
        num_classes: int = 2

    def run(self, ctx: TaskContext) -> TaskOutput:
        if not ctx.model.has_pyramid:
            raise UnsupportedTaskError(None, f"model {ctx.model.name!r} exposes no feature pyramid")
        p = ctx.params
        train, train_y = _targets(ctx.load("train", ctx.fraction), p.num_classes, ctx.dataset.name, "train")
        test, test_y = _targets(ctx.load("test", None), p.num_classes, ctx.dataset.name, "test")
        seed = ctx.seed or 0
        probe = build_probe(ctx.model, p.num_classes, tuple(train.images.shape[1:]), p, seed)
        history = train_probe(probe, train.images, train_y, p, seed)
        predicted = predict_masks(probe, test.images, p.batch_size)
        metrics: dict[str, object] = dict(segmentation_metrics(predicted, test_y, p.num_classes))
        metrics.update(baseline_metrics(test_y, p.num_classes))
        metrics.update(final_train_loss=history[-1], n_train=len(train), n_test=len(test),
                       test_foreground_fraction=float((test_y > 0).float().mean()))
        return TaskOutput(metrics, notes=[NOTE])
