"""Nonce-word insertion: original words kept in order, labels unchanged, never a finding word or a cue."""

from __future__ import annotations

import numpy as np
import pytest

from medvlp.knowledge.labeler import Labeler
from medvlp.knowledge.nonce_words import NonceInserter, protected_words

REPORT = ("Findings: Severe pulmonary edema is noted. No pneumothorax. There is a small left pleural effusion. "
          "Cardiomegaly. No evidence of consolidation. The osseous structures are intact.")


@pytest.fixture(scope="module")
def inserter() -> NonceInserter:
    return NonceInserter()


def test_probability_zero_is_the_identity(inserter: NonceInserter) -> None:
    assert inserter.insert(REPORT, np.random.default_rng(0), 0.0) == REPORT


def test_original_words_stay_in_order_and_labels_are_kept(inserter: NonceInserter) -> None:
    labeler, rng = Labeler("chexpert"), np.random.default_rng(1)
    expected, words = labeler(REPORT).values, REPORT.split(" ")
    inserted = 0
    for _ in range(30):
        text = inserter.insert(REPORT, rng, 0.3)
        kept = iter(text.split(" "))
        assert all(word in kept for word in words), text  # a subsequence: nothing removed or reordered
        inserted += len(text.split(" ")) - len(words)
        assert labeler(text).values == expected, text
    assert 0.2 * 30 * len(words) < inserted < 0.4 * 30 * len(words)


def test_nonce_words_are_never_finding_words_or_cues(inserter: NonceInserter) -> None:
    rng, protected = np.random.default_rng(2), protected_words()
    words = {inserter.nonce(rng) for _ in range(2000)}
    assert len(words) > 1500 and all(w.isalpha() and len(w) >= 3 for w in words)
    assert not words & protected
    assert {"heart", "effusion", "edema"} <= protected
    assert not inserter.is_neutral("without") and not inserter.is_neutral("possible")


def test_same_seed_same_text(inserter: NonceInserter) -> None:
    first = inserter.insert(REPORT, np.random.default_rng(5), 0.2)
    assert inserter.insert(REPORT, np.random.default_rng(5), 0.2) == first
    with pytest.raises(ValueError, match="syllables"):
        NonceInserter(min_syllables=3, max_syllables=2)
