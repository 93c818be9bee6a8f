"""Zero-shot prompt ensembles on hand-built embeddings."""

from __future__ import annotations

import math

import pytest
import torch

from medvlp.evaluation.prompts import default_prompts
from medvlp.evaluation.zeroshot import TextEmbeddingCache, zero_shot_scores


def test_pair_softmax_probability(make_lookup_encoder) -> None:
    enc = make_lookup_encoder({"yes a": [1, 0], "no a": [0, 1]}, dim=2, scale=5.0)
    images = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).view(3, 2, 1, 1)
    frame = zero_shot_scores(enc, images, ["A"], {"A": {"positive": ["yes a"], "negative": ["no a"]}})
    expected = [1 / (1 + math.exp(-5.0)), 1 / (1 + math.exp(5.0)), 0.5]
    assert list(frame.columns) == ["A"] and frame.shape == (3, 1)
    assert frame["A"].tolist() == pytest.approx(expected, abs=1e-6)


def test_prompt_ensemble_uses_mean_embedding(make_lookup_encoder) -> None:
    # two positive prompts whose mean points along x; the negative along y
    enc = make_lookup_encoder({"p1": [1, 1], "p2": [1, -1], "n": [0, 1]}, dim=2, scale=3.0)
    images = torch.tensor([[1.0, 0.0]]).view(1, 2, 1, 1)
    frame = zero_shot_scores(enc, images, ["A"], {"A": {"positive": ["p1", "p2"], "negative": ["n"]}})
    assert frame["A"].iloc[0] == pytest.approx(1 / (1 + math.exp(-3.0)), abs=1e-6)


def test_sided_finding_takes_max_over_variants(make_lookup_encoder) -> None:
    table = {"left": [1, 0, 0], "right": [0, 1, 0], "none": [0, 0, 1]}
    enc = make_lookup_encoder(table, dim=3, scale=4.0)
    prompts = {"E": {"left": {"positive": ["left"], "negative": ["none"]},
                     "right": {"positive": ["right"], "negative": ["none"]}}}
    images = torch.tensor([[0.0, 1.0, 0.0]]).view(1, 3, 1, 1)  # right-sided image
    score = zero_shot_scores(enc, images, ["E"], prompts)["E"].iloc[0]
    assert score == pytest.approx(1 / (1 + math.exp(-4.0)), abs=1e-6)


def test_text_embeddings_are_cached_per_model(make_lookup_encoder) -> None:
    enc = make_lookup_encoder({"yes a": [1, 0], "no a": [0, 1]}, dim=2)
    cache = TextEmbeddingCache()
    prompts = {"A": {"positive": ["yes a"], "negative": ["no a"]}}
    images = torch.rand(8, 2, 1, 1)
    first = zero_shot_scores(enc, images, ["A"], prompts, batch_size=2, cache=cache)
    second = zero_shot_scores(enc, images, ["A"], prompts, batch_size=2, cache=cache)
    assert cache.misses == 1 and len(enc.text_calls) == 1
    assert first.equals(second)


def test_default_prompts_have_side_variants() -> None:
    assert set(default_prompts("Pleural Effusion", sided=True).variants) == {"any", "left", "right", "bilateral"}
    assert set(default_prompts("Cardiomegaly").variants) == {"any"}


def test_accepts_a_medvlp_model_and_uses_curated_prompts() -> None:
    models = pytest.importorskip("medvlp.models")
    from medvlp.evaluation.prompts import knowledge_prompts

    model = models.create_model("cxr_tiny").eval()
    findings = ["Cardiomegaly", "Pleural Effusion"]
    prompts = knowledge_prompts(findings, "2d")
    frame = zero_shot_scores(model, torch.rand(3, 1, 64, 64), findings, prompts)
    assert frame.shape == (3, 2) and ((frame > 0) & (frame < 1)).all().all()
    # the same numbers by hand: softmax over (negative, positive) mean prompt embeddings, max over sides
    with torch.no_grad():
        image = torch.nn.functional.normalize(model.encode_image(torch.zeros(1, 1, 64, 64)), dim=-1)
        best = 0.0
        for variant in prompts["Pleural Effusion"].variants.values():
            pair = []
            for texts in (variant.negative, variant.positive):
                emb = torch.nn.functional.normalize(model.encode_text(list(texts)), dim=-1).mean(0)
                pair.append(torch.nn.functional.normalize(emb, dim=-1))
            logits = float(model.scale()) * image @ torch.stack(pair).T
            best = max(best, float(logits.softmax(-1)[0, 1]))
    single = zero_shot_scores(model, torch.zeros(1, 1, 64, 64), findings, prompts)
    assert single["Pleural Effusion"].iloc[0] == pytest.approx(best, abs=1e-5)
