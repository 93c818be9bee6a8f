"""Knowledge-base synonym substitution: a text augmentation that teaches the text tower term equivalence.

A text tower trained from scratch on one institution's reports only ever sees that institution's words
for a finding ("pulmonary edema"), so a prompt or a report that says "fluid overload" or "vascular
congestion" lands somewhere unrelated. Replacing, during training, each finding mention found in a
report with a random synonym of the same knowledge-base entry puts every synonym in the contexts the
reports use (affirmed, negated, with severity and location), so the tower learns that they mean the same
finding. Only the entries' ``synonyms`` are used, never their ``prompt_terms`` (the zero-shot wording
stays unseen). A phrase listed under two entries is ambiguous and left as written.

Same idea as synonym replacement with a domain thesaurus (EDA, Wei & Zou 2019; UMLS synonyms in
KAD, Zhang et al. 2023).
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from medvlp.knowledge.kb import KnowledgeBase


class SynonymSwapper:
    """``swap(text, rng, prob)``: each mention of a synonym is replaced with probability ``prob``."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        kb = kb or KnowledgeBase.load()
        owners: dict[str, set[str]] = defaultdict(set)
        for name in kb.names():
            for synonym in kb.entry(name).synonyms:
                owners[synonym.lower()].add(name)
        self._choices: dict[str, tuple[str, ...]] = {}
        for phrase, names in owners.items():
            if len(names) == 1:
                (name,) = names
                self._choices[phrase] = tuple(s for s in kb.entry(name).synonyms if owners[s.lower()] == names)
        # longest first, so "pulmonary edema" wins over "edema"
        alternatives = sorted(self._choices, key=len, reverse=True)
        self._pattern = re.compile(r"\b(" + "|".join(re.escape(p) for p in alternatives) + r")\b", re.IGNORECASE)

    def swap(self, text: str, rng: np.random.Generator, prob: float) -> str:
        if prob <= 0.0:
            return text

        def replace(match: re.Match[str]) -> str:
            found = match.group(0)
            if rng.random() >= prob:
                return found
            choices = self._choices[found.lower()]
            new = choices[int(rng.integers(len(choices)))]
            return new[:1].upper() + new[1:] if found[:1].isupper() else new

        return self._pattern.sub(replace, text)
