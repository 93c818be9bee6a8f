"""Multi-label classification tasks: zero-shot, linear probe, fine-tune (2D CXR and 3D CT alike).

All three end in :func:`classification_output`: per-finding AUROC / F1 / accuracy, the macro over
findings with a defined AUROC, and patient-level bootstrap intervals of the macro metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from medvlp.evaluation.bootstrap import bootstrap_ci
from medvlp.evaluation.errors import SingleClassError
from medvlp.evaluation.finetune import FineTuneConfig, fine_tune
from medvlp.evaluation.labels import UncertainPolicy, binarize_labels
from medvlp.evaluation.linear_probe import DEFAULT_CS, fit_linear_probe
from medvlp.evaluation.metrics import macro_summary, macro_values, per_finding_metrics
from medvlp.evaluation.negation import negation_metrics
from medvlp.evaluation.prompts import knowledge_prompts, resolve_prompts
from medvlp.evaluation.specificity import score_correlation, text_direction_cosine
from medvlp.evaluation.tasks.base import TASKS, BootstrapSettings, Task, TaskContext, TaskOutput
from medvlp.evaluation.zeroshot import class_embeddings, scores_from_embeddings


def classification_output(
    labels: np.ndarray, scores: np.ndarray, names: Sequence[str], patients: Sequence[str],
    bootstrap: BootstrapSettings, rng: np.random.Generator, uncertain: UncertainPolicy = "ignore",
) -> TaskOutput:
    """Metrics of ``scores [N, K]`` against 4-state ``labels [N, K]``; raises SingleClassError when no
    finding has both classes on this split."""
    targets, valid = binarize_labels(labels, uncertain=uncertain)
    findings = per_finding_metrics(targets, scores, valid, names)
    summary = macro_summary(findings)
    if summary["macro_auroc"] is None:
        raise SingleClassError(None, f"no finding has both classes on the test split ({len(labels)} rows)")
    intervals = bootstrap_ci(lambda rows: macro_values(targets[rows], scores[rows], valid[rows]),
                             patients, bootstrap.n_resamples, bootstrap.level, rng)
    notes = [str(summary.pop("note"))] if "note" in summary else []
    ci = {name: [iv.low, iv.high] for name, iv in intervals.items()}
    predictions = {"targets": targets, "scores": scores, "valid": valid, "names": np.asarray(names),
                   "patients": np.asarray(patients, dtype=str)}
    return TaskOutput(summary, ci, [f.to_dict() for f in findings], notes, predictions)


def _targets(labels: np.ndarray, uncertain: UncertainPolicy) -> tuple[np.ndarray, np.ndarray]:
    return binarize_labels(labels, uncertain=uncertain)


@TASKS.register("zeroshot")
class ZeroShotTask(Task):
    """Prompt-ensemble zero-shot on the test split (no training labels, deterministic)."""

    name = "zeroshot"
    uses_fraction = False
    uses_seed = False

    @dataclass
    class Params:
        prompts: dict[str, Any] = field(default_factory=dict)  # finding -> prompts (override curated)
        uncertain: UncertainPolicy = "ignore"

    def run(self, ctx: TaskContext) -> TaskOutput:
        test, feats = ctx.split_features("test")
        modality = "chest CT" if ctx.dataset.modality == "3d" else "chest x-ray"
        given = {**knowledge_prompts(test.label_names, ctx.dataset.modality), **ctx.params.prompts}
        prompts = resolve_prompts(test.label_names, given, ctx.dataset.sided, modality)
        class_embeds = class_embeddings(ctx.model, prompts, ctx.text_cache)
        images = torch.as_tensor(feats)
        scores = scores_from_embeddings(images, class_embeds, ctx.model.logit_scale).numpy().astype(np.float64)
        out = classification_output(test.labels, scores, test.label_names, test.patients, ctx.bootstrap,
                                    ctx.rng(), ctx.params.uncertain)
        targets, valid = _targets(test.labels, ctx.params.uncertain)
        headline, rows = negation_metrics(ctx.model, images, prompts, class_embeds, scores, targets, valid)
        out.metrics.update(headline)
        out.metrics["specificity/score_correlation"] = score_correlation(scores)
        out.metrics["specificity/text_direction_cosine"] = text_direction_cosine(class_embeds)
        by_name = {r.name: r for r in rows}
        for row in out.per_finding:  # per-finding negation figures beside the AUROC
            neg = by_name[str(row["name"])]
            row.update(auroc_positive_only=neg.auroc_positive_only,
                       affirmed_above_negated_on_positives=neg.affirmed_above_negated_on_positives,
                       negated_above_affirmed_on_negatives=neg.negated_above_affirmed_on_negatives)
        if out.predictions is not None:  # study ids (pseudonyms) let lesion-size breakdowns join scores
            out.predictions["studies"] = np.asarray(test.studies, dtype=str)
            out.predictions["sample_keys"] = np.asarray(test.sample_keys, dtype=str)
        return out


@TASKS.register("linear_probe")
class LinearProbeTask(Task):
    """Logistic regression on frozen features of the train fraction; C chosen on validation.

    Seed-invariant, declared rather than faked: the features are frozen, the label-fraction subsets
    are the fixed nested ones from ingest, and standardised L2 logistic regression (lbfgs) is a strictly
    convex problem solved deterministically, so seeds 42/0/1 would give identical numbers and a
    "std over seeds" of 0 that measures nothing. The task therefore runs once per fraction
    (``uses_seed = False``); its records carry ``seed_invariant: true`` and the report says why.
    Variability is reported where it exists: the patient-level bootstrap interval on test.
    """

    name = "linear_probe"
    uses_seed = False
    seed_note: ClassVar[str] = ("seed-invariant: frozen features, fixed nested label subsets and a convex, "
                                "deterministic fit; run once per fraction (no std over seeds)")

    @dataclass
    class Params:
        Cs: list[float] = field(default_factory=lambda: list(DEFAULT_CS))
        max_iter: int = 1000
        uncertain: UncertainPolicy = "ignore"

    def run(self, ctx: TaskContext) -> TaskOutput:
        p = ctx.params
        train, train_x = ctx.split_features("train", ctx.fraction)
        valid, valid_x = ctx.split_features("valid")
        test, test_x = ctx.split_features("test")
        probe = fit_linear_probe((train_x, *_targets(train.labels, p.uncertain)),
                                 (valid_x, *_targets(valid.labels, p.uncertain)), p.Cs, ctx.seed or 0, p.max_iter)
        out = classification_output(test.labels, probe.predict_proba(test_x), test.label_names, test.patients,
                                    ctx.bootstrap, ctx.rng(), p.uncertain)
        out.metrics["C"] = probe.C
        out.metrics["n_train"] = len(train)
        out.notes.append(self.seed_note)
        return out


@TASKS.register("finetune")
class FineTuneTask(Task):
    """Encoder + LayerNorm + linear head, early stopping on validation macro AUROC."""

    name = "finetune"

    @dataclass
    class Params(FineTuneConfig):
        uncertain: UncertainPolicy = "ignore"

    def run(self, ctx: TaskContext) -> TaskOutput:
        p = ctx.params
        train, valid, test = ctx.load("train", ctx.fraction), ctx.load("valid", None), ctx.load("test", None)
        config = FineTuneConfig(p.epochs, p.batch_size, p.head_lr, p.encoder_lr_ratio, p.weight_decay,
                                p.warmup_fraction, p.patience)
        result = fine_tune(ctx.model, (train.images, *_targets(train.labels, p.uncertain)),
                           (valid.images, *_targets(valid.labels, p.uncertain)), test.images, config,
                           ctx.seed or 0, (train.z_extent_mm, valid.z_extent_mm, test.z_extent_mm))
        out = classification_output(test.labels, result.test_scores, test.label_names, test.patients,
                                    ctx.bootstrap, ctx.rng(), p.uncertain)
        out.metrics["best_epoch"] = result.best_epoch
        out.metrics["n_train"] = len(train)
        return out
