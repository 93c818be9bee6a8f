"""Negation metrics on hand-built encoders whose similarities are known in closed form.

Text embeddings live in 3 dims (finding, shared words, negation): "a f" -> [1, 1, 0], "no f" -> [0, 1, 1].
The margin cos(x, "a f") - cos(x, "no f") of an image x = [a, 1, b] has the sign of a - b, while the
positive-only score (a + 1) / |x| also rises for negatives that share the words.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.negation import negation_metrics, positive_only_scores, twin_prompts
from medvlp.evaluation.prompts import FindingPrompts, PromptVariant, resolve_prompts
from medvlp.evaluation.tasks import TaskContext
from medvlp.evaluation.tasks.base import DatasetInfo
from medvlp.evaluation.tasks.classification import ZeroShotTask
from medvlp.evaluation.zeroshot import class_embeddings, scores_from_embeddings

TABLE = {"a f": [1, 1, 0], "no f": [0, 1, 1], "f seen": [1, 1, 0], "f not seen": [1, 1, 0]}
# positives: strong, weak; negatives: clean, and one that shares words (higher positive-only score)
IMAGES = torch.tensor([[1.0, 1.0, 0.0], [0.1, 1.0, 0.0], [0.0, 1.0, 1.0], [0.6, 1.0, 0.7]])
TARGETS = np.array([[1.0], [1.0], [0.0], [0.0]])


def _metrics(make_lookup_encoder, prompts: FindingPrompts) -> tuple[dict, list]:
    enc = make_lookup_encoder(TABLE, dim=3, scale=10.0)
    class_embeds = class_embeddings(enc, [prompts])
    pair = scores_from_embeddings(IMAGES, class_embeds, enc.logit_scale).numpy().astype(np.float64)
    return negation_metrics(enc, IMAGES, [prompts], class_embeds, pair, TARGETS, np.ones_like(TARGETS, bool))


def test_pair_beats_positive_only_when_negation_is_encoded(make_lookup_encoder) -> None:
    prompts = FindingPrompts("F", {"any": PromptVariant(("a f",), ("no f",))})
    headline, rows = _metrics(make_lookup_encoder, prompts)
    assert headline["negation/auroc_pair"] == pytest.approx(1.0)
    # positive-only: the weak positive (0.774) ranks below the word-sharing negative (0.832): 3 of 4 pairs
    assert headline["negation/auroc_positive_only"] == pytest.approx(0.75)
    assert headline["negation/affirmed_above_negated_on_positives"] == pytest.approx(1.0)
    assert headline["negation/negated_above_affirmed_on_negatives"] == pytest.approx(1.0)
    assert rows[0].n_twins == 1


def test_negation_blind_twin_counts_as_failure(make_lookup_encoder) -> None:
    # second twin embeds "not seen" exactly like "seen": its margin is 0, never "above"
    prompts = FindingPrompts("F", {"any": PromptVariant(("a f", "f seen"), ("no f", "f not seen"))})
    headline, rows = _metrics(make_lookup_encoder, prompts)
    assert rows[0].n_twins == 2
    assert headline["negation/affirmed_above_negated_on_positives"] == pytest.approx(0.5)
    assert headline["negation/negated_above_affirmed_on_negatives"] == pytest.approx(0.5)


def test_unpaired_prompts_have_no_twins() -> None:
    prompts = FindingPrompts("F", {"any": PromptVariant(("a", "b"), ("c",))})
    assert twin_prompts(prompts) == []


def test_positive_only_takes_max_over_variants() -> None:
    pairs = torch.tensor([[[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]]])  # [V=2, 2, D=2]
    scores = positive_only_scores(torch.tensor([[0.0, 2.0]]), [pairs])
    assert scores.shape == (1, 1) and scores[0, 0] == pytest.approx(1.0)


def test_zero_shot_task_reports_negation_metrics(make_lookup_encoder) -> None:
    enc = make_lookup_encoder(TABLE, dim=3, scale=10.0)
    split = EvalSplit(IMAGES.view(4, 3, 1, 1), TARGETS.copy(), ["F"], ["p0", "p1", "p2", "p3"],
                      ["s0", "s1", "s2", "s3"], [""] * 4, ["k0", "k1", "k2", "k3"])
    params = ZeroShotTask.Params(prompts={"F": {"positive": ["a f"], "negative": ["no f"]}})
    ctx = TaskContext(enc, DatasetInfo("toy", "toy", "2d"), lambda split_name, fraction: split, None, None, params)
    ctx.bootstrap.n_resamples = 20
    out = ZeroShotTask().run(ctx)
    assert out.metrics["macro_auroc"] == pytest.approx(out.metrics["negation/auroc_pair"])
    assert out.metrics["negation/auroc_positive_only"] == pytest.approx(0.75)
    assert out.per_finding[0]["affirmed_above_negated_on_positives"] == pytest.approx(1.0)
    # one finding: no pair of findings to correlate
    assert out.metrics["specificity/score_correlation"] is None
    assert out.metrics["specificity/text_direction_cosine"] is None
    assert out.predictions is not None and list(out.predictions["studies"]) == ["s0", "s1", "s2", "s3"]
    assert resolve_prompts(["F"], params.prompts)[0].variants["any"].positive == ("a f",)
