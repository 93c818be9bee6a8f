"""Nonce-word insertion: a text augmentation that teaches the text tower to ignore words it does not know.

A text tower trained from scratch on one institution's reports has never seen most of the words a
zero-shot prompt wraps around a finding ("an image in which ... can be seen", "absence of ..."). The
tokenizer splits such a word into sub-word pieces whose embeddings were only ever trained inside other
words, and with mean pooling those pieces pull the prompt in an arbitrary direction: a positive and a
negative prompt that differ in unseen wrapper words then differ by noise as much as by negation
(measured in benchmarks/RESULTS.md, session 5). Inserting random pronounceable nonce words into the
training reports puts arbitrary sub-word pieces into every context, and the contrastive and label
objectives, whose targets do not change, teach the tower that such words carry no finding and no
negation.

A nonce word is never a word of a knowledge-base synonym or prompt term, nor a negation or uncertainty
cue of the labeler's rules, so the report keeps its labels. Same family as random insertion in EDA (Wei
& Zou 2019), with invented words instead of synonyms.
"""

from __future__ import annotations

import re

import numpy as np

from medvlp.knowledge.kb import KnowledgeBase
from medvlp.knowledge.rules import load_rules

CONSONANTS = "bcdfghjklmnprstvwz"
VOWELS = "aeiou"


def protected_words(kb: KnowledgeBase | None = None) -> frozenset[str]:
    """Every word of the knowledge base's synonyms and prompt terms (lower case)."""
    kb = kb or KnowledgeBase.load()
    words: set[str] = set()
    for name in kb.names():
        entry = kb.entry(name)
        for phrase in (*entry.synonyms, *entry.prompt_terms):
            words.update(re.findall(r"[a-z]+", phrase.lower()))
    return frozenset(words)


class NonceInserter:
    """``insert(text, rng, prob)``: after each word, with probability ``prob``, one nonce word."""

    def __init__(self, min_syllables: int = 1, max_syllables: int = 4) -> None:
        if not 1 <= min_syllables <= max_syllables:
            raise ValueError(f"need 1 <= min_syllables <= max_syllables, got {min_syllables}, {max_syllables}")
        self.syllables = (min_syllables, max_syllables)
        self._protected = protected_words()
        self._cues = [load_rules(label_set).cues.regex for label_set in ("chexpert", "ct")]

    def nonce(self, rng: np.random.Generator) -> str:
        """A pronounceable invented word (consonant-vowel syllables, sometimes a closing consonant)."""
        while True:
            n = int(rng.integers(self.syllables[0], self.syllables[1] + 1))
            word = "".join(CONSONANTS[rng.integers(len(CONSONANTS))] + VOWELS[rng.integers(len(VOWELS))]
                           for _ in range(n))
            if rng.random() < 0.5:
                word += CONSONANTS[rng.integers(len(CONSONANTS))]
            if len(word) >= 3 and self.is_neutral(word):
                return word

    def is_neutral(self, word: str) -> bool:
        return word not in self._protected and not any(cue.fullmatch(word) for cue in self._cues)

    def insert(self, text: str, rng: np.random.Generator, prob: float) -> str:
        if prob <= 0.0:
            return text
        words = text.split(" ")
        out: list[str] = []
        for word in words:
            out.append(word)
            if rng.random() < prob:
                out.append(self.nonce(rng))
        return " ".join(out)
