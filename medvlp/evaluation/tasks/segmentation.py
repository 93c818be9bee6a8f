"""Segmentation probe task: frozen encoder pyramid + UperNet / U-Net decoder, Dice and IoU on test.

Needs masks: boxes rasterised to masks by :func:`medvlp.evaluation.segmentation.masks.boxes_to_mask`.
The ingest shards carry no boxes yet, so a dataset without masks gives a recorded, explained skip.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.segmentation.metrics import segmentation_metrics
from medvlp.evaluation.segmentation.probe import SegmentationConfig, build_probe, predict_masks, train_probe
from medvlp.evaluation.tasks.base import TASKS, Task, TaskContext, TaskOutput


@TASKS.register("segmentation")
class SegmentationTask(Task):
    name = "segmentation"

    @dataclass
    class Params(SegmentationConfig):
        num_classes: int = 2

    def run(self, ctx: TaskContext) -> TaskOutput:
        if not ctx.model.has_pyramid:
            raise UnsupportedTaskError(None, f"model {ctx.model.name!r} exposes no feature pyramid")
        train, test = ctx.load("train", ctx.fraction), ctx.load("test", None)
        if train.masks is None or test.masks is None:
            raise UnsupportedTaskError(None, f"dataset {ctx.dataset.name!r} provides no boxes or masks")
        p = ctx.params
        seed = ctx.seed or 0
        probe = build_probe(ctx.model, p.num_classes, tuple(train.images.shape[1:]), p, seed)
        history = train_probe(probe, train.images, torch.as_tensor(train.masks), p, seed)
        predicted = predict_masks(probe, test.images, p.batch_size)
        metrics: dict[str, object] = dict(segmentation_metrics(predicted, torch.as_tensor(test.masks),
                                                               p.num_classes))
        metrics["final_train_loss"] = history[-1]
        return TaskOutput(metrics, notes=[("dice/iou: foreground only; dice_with_background_benchx: "
                                          "background-inclusive mean Dice as BenchX reports it")])
