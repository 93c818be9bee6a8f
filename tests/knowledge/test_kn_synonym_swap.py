"""Synonym substitution: meaning kept (the labeler agrees), only knowledge-base synonyms, seeded."""

from __future__ import annotations

import re

import numpy as np
import pytest

from medvlp.knowledge.kb import KnowledgeBase
from medvlp.knowledge.labeler import Labeler
from medvlp.knowledge.synonym_swap import SynonymSwapper

REPORT = ("Findings: Severe pulmonary edema is noted. No pneumothorax. There is a small left pleural effusion. "
          "Cardiomegaly. No evidence of consolidation. The osseous structures are intact.")


@pytest.fixture(scope="module")
def swapper() -> SynonymSwapper:
    return SynonymSwapper()


def test_probability_zero_is_the_identity(swapper: SynonymSwapper) -> None:
    assert swapper.swap(REPORT, np.random.default_rng(0), 0.0) == REPORT


def test_swapped_reports_keep_their_labels(swapper: SynonymSwapper) -> None:
    labeler, rng = Labeler("chexpert"), np.random.default_rng(1)
    expected = labeler(REPORT).values
    changed = 0
    for _ in range(30):
        text = swapper.swap(REPORT, rng, 1.0)
        changed += text != REPORT
        assert labeler(text).values == expected, text
    assert changed >= 25  # every finding has several synonyms: most draws change something


def test_only_synonyms_of_the_same_entry_and_never_prompt_terms(swapper: SynonymSwapper) -> None:
    kb = KnowledgeBase.load()
    edema = {s.lower() for s in kb.entry("Edema").synonyms}
    seen = set()
    rng = np.random.default_rng(2)
    for _ in range(200):
        text = swapper.swap("Severe pulmonary edema is noted.", rng, 1.0)
        seen.add(re.fullmatch(r"Severe (.+) is noted\.", text).group(1).lower())  # type: ignore[union-attr]
    assert seen <= edema and len(seen) >= len(edema) - 1
    prompt_only = {t.lower() for t in kb.entry("Edema").prompt_terms} - edema
    assert not seen & prompt_only


def test_same_seed_same_text(swapper: SynonymSwapper) -> None:
    first = swapper.swap(REPORT, np.random.default_rng(5), 0.5)
    assert swapper.swap(REPORT, np.random.default_rng(5), 0.5) == first


def test_phrase_of_two_entries_is_left_alone() -> None:
    kb = KnowledgeBase.from_yaml("""
A:
  synonyms: ["alpha", "shared"]
  definition: "d"
  appearance: {radiograph: "r"}
  prompt_terms: ["alpha"]
B:
  synonyms: ["beta", "shared"]
  definition: "d"
  appearance: {radiograph: "r"}
  prompt_terms: ["beta"]
""")
    swapper, rng = SynonymSwapper(kb), np.random.default_rng(0)
    texts = {swapper.swap("shared and alpha.", rng, 1.0) for _ in range(20)}
    assert all(t.startswith("shared and ") for t in texts)
    assert texts == {"shared and alpha."}  # "alpha"'s only unambiguous synonym is itself
