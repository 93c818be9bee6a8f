"""Training pair texts: report-style affirmed/negated sentences, never the zero-shot prompts."""

from __future__ import annotations

import pytest

from medvlp.errors import ConfigError
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.kb import KnowledgeBase
from medvlp.knowledge.pair_texts import TRAINING_PAIR_TEMPLATES, finding_pair_texts
from medvlp.knowledge.prompts import prompt_set


@pytest.mark.parametrize("label_set, modality", [(CHEXPERT, "radiograph"), (CT, "ct")])
def test_pair_texts_are_dense_and_unlike_the_zero_shot_prompts(label_set, modality) -> None:  # type: ignore[no-untyped-def]
    texts = finding_pair_texts(list(label_set.labels), max_synonyms=3)
    assert texts.names == tuple(n for n in label_set.labels if n in KnowledgeBase.load())
    assert all(len(a) == len(n) == texts.variants == 3 * len(TRAINING_PAIR_TEMPLATES) for a, n in zip(texts.affirmed, texts.negated, strict=True))
    assert len(texts.flat()) == len(texts.names) * 2 * texts.variants
    prompts = {p for name in texts.names for s in [prompt_set(name, modality)] for p in (*s.positive, *s.negative)}
    assert prompts.isdisjoint(texts.flat())
    for name, affirmed, negated in zip(texts.names, texts.affirmed, texts.negated, strict=True):
        denying, stating = (affirmed, negated) if name == "No Finding" else (negated, affirmed)
        assert all(("no " in d or "absent" in d) and "no " not in s for d, s in zip(denying, stating, strict=True))


def test_no_finding_uses_its_negated_synonyms_flipped() -> None:
    """Negating "no acute cardiopulmonary process" would be a double negative: the pair is flipped."""
    texts = finding_pair_texts(["No Finding"], max_synonyms=2)
    assert texts.affirmed[0][:2] == ("no acute cardiopulmonary process.", "there is no acute cardiopulmonary process.")
    assert texts.negated[0][:2] == ("acute cardiopulmonary process.", "there is acute cardiopulmonary process.")
    assert texts.negated[0][len(TRAINING_PAIR_TEMPLATES)] == "acute cardiopulmonary abnormality."


def test_pneumothorax_sentences() -> None:
    texts = finding_pair_texts(["Pneumothorax"], max_synonyms=1)
    assert texts.affirmed[0][:2] == ("pneumothorax.", "there is pneumothorax.")
    assert texts.negated[0][:2] == ("no pneumothorax.", "there is no pneumothorax.")
    assert len(texts.affirmed[0]) == len(TRAINING_PAIR_TEMPLATES)


def test_no_usable_label_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pair texts"):
        finding_pair_texts(["Not A Finding"])
    with pytest.raises(ConfigError, match="max_synonyms"):
        finding_pair_texts(["Pneumothorax"], max_synonyms=0)


@pytest.mark.parametrize("label_set, modality", [(CHEXPERT, "radiograph"), (CT, "ct")])
def test_description_terms_add_the_definition_and_appearance_but_no_prompt_term(label_set, modality) -> None:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase.load()
    plain = finding_pair_texts(list(label_set.labels), max_synonyms=2)
    described = finding_pair_texts(list(label_set.labels), max_synonyms=2, descriptions=modality)
    assert described.names == plain.names and described.variants == plain.variants + 2 * len(TRAINING_PAIR_TEMPLATES)
    for name, before, after in zip(plain.names, plain.affirmed, described.affirmed, strict=True):
        assert after[: plain.variants] == before  # the synonym variants are unchanged
        if name == "No Finding":
            continue
        entry = kb.entry(name)
        added = " ".join(after[plain.variants:]).lower()
        for description in (entry.definition, entry.appearance[modality]):  # past its first word (article, case)
            seen = description.rstrip(".").split(" ", 1)[1].lower() in added
            assert seen or (name, description) == ("Pleural Effusion", entry.definition)  # it holds a prompt term
        # lay prompt terms ("fluid around the heart") stay unseen: the zero-shot prompts are built from them
        lay = [t.removeprefix("a ") for t in entry.prompt_terms if not any(t.removeprefix("a ").removeprefix("an ") in s for s in entry.synonyms)]
        assert all(t not in " ".join(described.flat()) for t in lay)


def test_description_sentences_read_as_sentences() -> None:
    texts = finding_pair_texts(["Pericardial Effusion", "Lung Nodule"], max_synonyms=1, descriptions="ct")
    assert "there is fluid collecting in the sac around the heart." in texts.affirmed[0]
    assert "there is no fluid collecting in the sac around the heart." in texts.negated[0]
    # a leading article is dropped so the negated form stays grammatical
    assert "there is no round well- or ill-defined focus of soft-tissue or ground-glass attenuation surrounded by lung." \
        in texts.negated[1]
    with pytest.raises(ConfigError, match="descriptions"):
        finding_pair_texts(["Pneumothorax"], descriptions="mri")
