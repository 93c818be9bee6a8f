"""Negation-cue swap: only listed cues change, the labeler agrees, seeded, and the tokenizer can read it."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from medvlp.errors import ConfigError
from medvlp.knowledge.cue_swap import CueSwapper, interchangeable_cues, swap_vocabulary
from medvlp.knowledge.labeler import Labeler
from medvlp.knowledge.rules import load_rules

REPORT = ("No pneumothorax. No evidence of consolidation or edema. Negative for pleural effusion. "
          "No change in the left pleural effusion. The nodule is no longer seen. Mild cardiomegaly. "
          "The fracture is not seen. Clips are not identified.")


@pytest.fixture(scope="module")
def swapper() -> CueSwapper:
    return CueSwapper()


def test_probability_zero_is_the_identity(swapper: CueSwapper) -> None:
    assert swapper.swap(REPORT, np.random.default_rng(0), 0.0) == REPORT


def test_groups_are_negation_cues_of_their_role() -> None:
    roles = load_rules("chexpert").cues.roles
    groups = interchangeable_cues()
    assert any("absence of" in g for g in groups) and any("is not seen" in g for g in groups)
    for group in groups:
        kinds = {frozenset(roles[m]) & {"negation_pre", "negation_post"} for m in group}
        assert len(kinds) == 1 and next(iter(kinds)), group  # one role per group
    assert set(swap_vocabulary()) == {m for g in groups for m in g}


def test_pseudo_and_longer_cues_are_never_swapped(swapper: CueSwapper) -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        text = swapper.swap(REPORT, rng, 1.0)
        assert "No change in the left pleural effusion." in text
        assert "The nodule is no longer seen." in text
        assert "Mild cardiomegaly." in text


def test_every_member_of_a_group_is_written(swapper: CueSwapper) -> None:
    rng = np.random.default_rng(4)
    seen = set()
    for _ in range(200):
        match = re.fullmatch(r"(.+) pneumothorax\.", swapper.swap("No pneumothorax.", rng, 1.0))
        assert match is not None
        seen.add(match.group(1).lower())
    assert seen == {"no", "without", "negative for", "free of", "absence of"}


def _grammar_sentences(name: str) -> list[str]:
    phrases = pytest.importorskip("medvlp.data.synthetic.phrases")
    grammar = phrases.load_grammar(name)
    rng = np.random.default_rng(0)
    specs = list(grammar["findings"].values())
    sentences = list(grammar["normal"])
    for spec in specs:
        sentences += [phrases.negative_sentence([spec], grammar, rng) for _ in range(8)]
    for a, b in itertools.pairwise(specs):
        sentences.append(phrases.negative_sentence([a, b], grammar, rng))
    return sentences


@pytest.mark.parametrize("label_set, grammar", [("chexpert", "cxr"), ("ct", "ct")])
def test_swapped_reports_keep_their_labels(swapper: CueSwapper, label_set: str, grammar: str) -> None:
    """Every negation sentence the synthetic report grammar writes, plus the tricky report above."""
    labeler, rng = Labeler(label_set), np.random.default_rng(1)
    changed = 0
    texts = [*_grammar_sentences(grammar), REPORT]
    for text in texts:
        expected = labeler(text).values
        for _ in range(3):
            swapped = swapper.swap(text, rng, 1.0)
            changed += swapped != text
            assert labeler(swapped).values == expected, (text, swapped)
    assert changed >= len(texts)  # most sentences negate with a listed cue


def test_same_seed_same_text(swapper: CueSwapper) -> None:
    first = swapper.swap(REPORT, np.random.default_rng(5), 0.5)
    assert swapper.swap(REPORT, np.random.default_rng(5), 0.5) == first


def test_a_cue_in_two_groups_is_rejected() -> None:
    with pytest.raises(ConfigError, match="two interchangeable groups"):
        CueSwapper((("no", "without"), ("without", "free of")))
