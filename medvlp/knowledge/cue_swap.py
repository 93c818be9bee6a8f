"""Negation-cue swap: a text augmentation that teaches the text tower the labeler's negation vocabulary.

One institution's reports negate in a handful of fixed ways ("No effusion.", "No evidence of effusion."),
so a text tower trained from scratch on them learns that "no" negates and has never read "absence of",
"free of" or "without" next to a finding: a zero-shot prompt or another hospital's report that negates
with those words lands somewhere unrelated (benchmarks/RESULTS.md, session 8: the "absence of" prompt
template scored 0.62). During training each negation cue that the labeler's rules list in an
``interchangeable`` group (``medvlp/knowledge/rules/cues.yaml``) is replaced, with a given probability, by
another member of its group, so every listed cue appears in the contexts the reports negate in.

Cues are found with the labeler's own cue regex, which prefers the longest cue at a position, so a
pseudo-negation ("no change in the effusion") or a longer cue ("no longer seen") is never mistaken for
its first word. Each group holds cues of one role and one position (before or after the finding), so
the labeler gives a swapped report the labels of the original (checked in the tests on synthetic reports
of both label sets). Same family as synonym replacement (EDA, Wei & Zou 2019), with the negation lexicon
of NegEx (Chapman et al. 2001) as the thesaurus.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from medvlp.errors import ConfigError
from medvlp.knowledge.phrases import iter_spans, normalise
from medvlp.knowledge.rules import builtin_rules, load_rules

SWAP_ROLES = ("negation_pre", "negation_post")


@lru_cache(maxsize=1)
def interchangeable_cues() -> tuple[tuple[str, ...], ...]:
    """The built-in groups of interchangeable negation cues (normalised), each a cue of the role it is listed under."""
    groups_by_role = builtin_rules("cues.yaml").get("interchangeable") or {}
    roles = load_rules("chexpert").cues.roles
    groups: list[tuple[str, ...]] = []
    for role, groups_of_role in groups_by_role.items():
        if role not in SWAP_ROLES:
            raise ConfigError(f"rules/cues.yaml: interchangeable.{role}: only {SWAP_ROLES} can be swapped")
        for group in groups_of_role:
            members = tuple(normalise(p) for p in group)
            for member in members:
                if role not in roles.get(member, frozenset()):
                    raise ConfigError(f"rules/cues.yaml: interchangeable.{role}: {member!r} is not a {role} cue")
            if len(set(members)) < 2:
                raise ConfigError(f"rules/cues.yaml: interchangeable.{role}: a group needs two different cues")
            groups.append(members)
    return tuple(groups)


def swap_vocabulary() -> list[str]:
    """Every phrase the swap can write (for the tokenizer corpus: a swapped-in word must be in the vocabulary)."""
    return [member for group in interchangeable_cues() for member in group]


class CueSwapper:
    """``swap(text, rng, prob)``: each interchangeable negation cue becomes another of its group with ``prob``."""

    def __init__(self, groups: tuple[tuple[str, ...], ...] | None = None) -> None:
        groups = interchangeable_cues() if groups is None else groups
        self._group: dict[str, tuple[str, ...]] = {}
        for group in groups:
            for member in group:
                if member in self._group:
                    raise ConfigError(f"negation cue {member!r} is listed in two interchangeable groups")
                self._group[member] = group
        # the labeler's full cue regex: the longest cue wins, so "no change" (pseudo) never reads as "no"
        self._cues = load_rules("chexpert").cues.regex

    def swap(self, text: str, rng: np.random.Generator, prob: float) -> str:
        if prob <= 0.0:
            return text
        pieces: list[str] = []
        last = 0
        for start, end in iter_spans(self._cues, text.lower()):
            group = self._group.get(normalise(text[start:end]))
            if group is None or rng.random() >= prob:
                continue
            found = text[start:end]
            new = group[int(rng.integers(len(group)))]
            pieces += [text[last:start], new[:1].upper() + new[1:] if found[:1].isupper() else new]
            last = end
        return "".join(pieces) + text[last:] if pieces else text
