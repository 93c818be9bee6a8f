"""Knowledge base content and zero-shot prompt sets."""

from __future__ import annotations

import pytest
import torch

from medvlp.errors import ConfigError, UnknownNameError
from medvlp.knowledge import KnowledgeBase, ensemble_embeddings, ensemble_scores, prompt_set
from medvlp.knowledge.findings import CHEXPERT, CT

ALL = sorted(set(CHEXPERT.labels) | set(CT.labels))


@pytest.mark.parametrize("name", ALL)
def test_every_observation_has_a_complete_entry(name: str) -> None:
    entry = KnowledgeBase.load().entry(name)
    assert entry.synonyms and entry.definition and entry.prompt_terms
    assert set(entry.appearance) == {"radiograph", "ct"}
    if name != "No Finding":
        assert entry.anatomy and entry.differential
    for related in entry.related:
        assert related in KnowledgeBase.load(), f"{name} relates to unknown {related}"


def test_entity_text_has_definition_and_appearance() -> None:
    kb = KnowledgeBase.load()
    entry = kb.entry("Pneumothorax")
    text = kb.entity_text("Pneumothorax")
    assert entry.definition in text and entry.appearance["radiograph"] in text and entry.appearance["ct"] in text
    ct_only = kb.entity_text("Pneumothorax", modality="ct")
    assert entry.appearance["ct"] in ct_only and entry.appearance["radiograph"] not in ct_only
    with pytest.raises(ConfigError):
        kb.entity_text("Pneumothorax", modality="mri")


def test_unknown_entry_suggests() -> None:
    with pytest.raises(UnknownNameError, match="did you mean Pneumothorax"):
        KnowledgeBase.load().entry("Pneumothorx")


def test_custom_kb_file_and_validation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "kb.yaml"
    good.write_text("Thing:\n  synonyms: [thing]\n  definition: d\n  appearance: {ct: c}\n  prompt_terms: [a thing]\n")
    assert KnowledgeBase.load(good).names() == ["Thing"]
    with pytest.raises(ConfigError, match="missing"):
        KnowledgeBase.from_yaml("Thing:\n  synonyms: [x]\n")


@pytest.mark.parametrize("modality", ["radiograph", "ct"])
@pytest.mark.parametrize("name", ALL)
def test_prompt_sets(name: str, modality: str) -> None:
    prompts = prompt_set(name, modality)
    assert 3 <= len(prompts.pairs()) <= 4
    assert len(set(prompts.positive)) == len(prompts.positive)
    assert not set(prompts.positive) & set(prompts.negative)
    sided = name in CHEXPERT.sided or name in CT.sided
    assert bool(prompts.left) == sided and bool(prompts.right) == sided
    assert all("left" in p for p in prompts.left) and all("right" in p for p in prompts.right)


def test_prompts_are_not_report_sentences() -> None:
    """Templates must differ from typical report phrasing (e.g. "No pleural effusion.")."""
    prompts = prompt_set("Pleural Effusion")
    report_like = {"no pleural effusion.", "pleural effusion.", "small pleural effusion."}
    assert not {p.lower() for p in prompts.positive + prompts.negative} & report_like


def test_ensemble_embeddings_and_scores() -> None:
    prompts = prompt_set("Edema")
    vocab = {t: i for i, t in enumerate(sorted(set(prompts.positive + prompts.negative)))}

    def encode(texts: list[str]) -> torch.Tensor:  # a toy encoder: positives point along +x, negatives -x
        out = torch.zeros(len(texts), 4)
        for row, t in enumerate(texts):
            out[row, 0] = 1.0 if t in prompts.positive else -1.0
            out[row, 1 + vocab[t] % 3] = 0.1
        return out

    classes = ensemble_embeddings(prompts, encode)
    assert classes.shape == (2, 4)
    assert torch.allclose(classes.norm(dim=-1), torch.ones(2))
    scores = ensemble_scores(torch.tensor([[1.0, 0, 0, 0], [-1.0, 0, 0, 0]]), classes)
    assert scores[0] > 0.99 and scores[1] < 0.01
