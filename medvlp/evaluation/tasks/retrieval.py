"""Image-report retrieval task: instance Recall@K both ways and class-level Hit@K / Precision@K.

The gallery of reports holds one report per study (multi-view studies share it). The class-level
part follows MIMIC 5x200: test images with exactly one positive among ``classes`` are queries, and
their studies' reports (labelled the same way) are the gallery.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.retrieval import bidirectional_recall, class_retrieval
from medvlp.evaluation.tasks.base import TASKS, Task, TaskContext, TaskOutput

FIVE_BY_200 = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]


@torch.no_grad()
def embed_texts(ctx: TaskContext, texts: list[str], batch_size: int = 32) -> torch.Tensor:
    """``T`` reports -> ``[T, D]``."""
    return torch.cat([ctx.model.encode_text(texts[i:i + batch_size]).float()
                      for i in range(0, len(texts), batch_size)])


@TASKS.register("retrieval")
class RetrievalTask(Task):
    name = "retrieval"
    uses_fraction = False
    uses_seed = False

    @dataclass
    class Params:
        ks: list[int] = field(default_factory=lambda: [1, 5, 10])
        classes: list[str] = field(default_factory=lambda: list(FIVE_BY_200))

    def run(self, ctx: TaskContext) -> TaskOutput:
        if not ctx.model.has_text:
            raise UnsupportedTaskError(None, f"model {ctx.model.name!r} has no text encoder; retrieval needs one")
        test, feats = ctx.split_features("test")
        first_row = {s: i for i, s in reversed(list(enumerate(test.studies)))}
        studies = sorted(first_row)
        texts = [test.reports[first_row[s]] for s in studies]
        text_embeds = embed_texts(ctx, texts)
        images = torch.as_tensor(feats)
        metrics: dict[str, object] = dict(bidirectional_recall(images, text_embeds, test.studies, studies,
                                                                ctx.params.ks))
        notes = []
        classes = [c for c in ctx.params.classes if c in test.label_names]
        if classes:
            cols = [test.label_names.index(c) for c in classes]
            positives = test.labels[:, cols] == 1
            single = positives.sum(axis=1) == 1
            if single.sum() >= 2:
                rows = np.flatnonzero(single)
                row_class = positives.argmax(axis=1)
                gallery_rows = [first_row[s] for s in studies if single[first_row[s]]]
                metrics.update(class_retrieval(
                    images[rows], text_embeds[[studies.index(test.studies[r]) for r in gallery_rows]],
                    row_class[rows], row_class[gallery_rows], ctx.params.ks))
                metrics["n_class_queries"] = int(rows.size)
            else:
                notes.append("class-level retrieval skipped: fewer than 2 images with exactly one of "
                             + ", ".join(classes))
        metrics["n_images"], metrics["n_reports"] = len(test), len(studies)
        return TaskOutput(metrics, notes=notes)
