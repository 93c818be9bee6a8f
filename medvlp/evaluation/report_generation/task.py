"""The registered ``report_generation`` benchmark task (BenchX's fourth task, plus clinical efficacy).

A decoder (R2Gen-style relational memory by default) is trained on the frozen encoder's image
tokens of the train split (all views of a study concatenated), early-stopped on validation BLEU-4,
and its beam-search reports on the test split are scored with BLEU-1..4, METEOR, ROUGE-L, CIDEr-D
and clinical-efficacy precision/recall/F1 (labeler findings of generated vs reference reports).
Like BenchX, it trains on the full train split (label fractions do not apply); seeds do.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.report_generation.features import encode_tokens, group_studies, token_function
from medvlp.evaluation.report_generation.scoring import score_reports
from medvlp.evaluation.report_generation.train import (
    GenerationConfig,
    StudySource,
    fit_report_generator,
    generate,
)
from medvlp.evaluation.tasks.base import TASKS, Task, TaskContext, TaskOutput


def _source(split: EvalSplit, token_fn: object, finetune: bool) -> StudySource:
    studies = group_studies(split.studies, split.reports)
    if finetune:
        return StudySource(studies, images=split.images, token_fn=token_fn)  # type: ignore[arg-type]
    return StudySource.frozen(token_fn, split.images, studies)  # type: ignore[arg-type]


@TASKS.register("report_generation")
class ReportGenerationTask(Task):
    name = "report_generation"
    uses_fraction = False
    uses_seed = True

    @dataclass
    class Params(GenerationConfig):
        n_examples: int = 2  # generated/reference pairs copied into the run's notes

    def run(self, ctx: TaskContext) -> TaskOutput:
        p: ReportGenerationTask.Params = ctx.params
        # Fine-tuning must not leak into the shared encoder other tasks and seeds reuse.
        encoder = copy.deepcopy(ctx.model) if p.finetune_encoder else ctx.model
        token_fn = token_function(encoder)
        train, valid, test = (_source(ctx.load(s, None), token_fn, p.finetune_encoder)
                              for s in ("train", "valid", "test"))
        probe = encode_tokens(token_fn, ctx.load("train", None).images[:1])
        fit = fit_report_generator(train, valid, int(probe.shape[-1]), p, ctx.seed or 0, encoder)
        generated = generate(fit.decoder, fit.vocab, test, p)
        references = [s.report for s in test.studies]
        study_ids = [s.study_id for s in test.studies]
        scores = score_reports(references, generated, study_ids, ctx.dataset.label_set,
                               ctx.bootstrap.n_resamples, ctx.bootstrap.level, ctx.rng())
        scores.metrics.update(best_epoch=fit.best_epoch, best_valid_bleu_4=fit.best_valid_bleu_4,
                              vocab_size=len(fit.vocab), n_train_studies=len(train.studies))
        # No `predictions` arrays: the runner's comparison/ROC code expects classification scores.
        examples = [f"example {sid}: generated {gen!r} | reference {ref!r}"
                    for sid, gen, ref in list(zip(study_ids, generated, references))[:p.n_examples]]
        return TaskOutput(scores.metrics, scores.ci, scores.per_finding, scores.notes + examples)
