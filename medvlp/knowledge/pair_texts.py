"""Affirmed / negated finding texts for training (the label-pair alignment objective).

Per finding, short report-style sentences built from the knowledge base's first synonyms, in an
affirmed and a negated form ("there is pneumothorax." / "there is no pneumothorax."). They are
deliberately worded like report sentences and *not* like the zero-shot prompt templates of
:mod:`medvlp.knowledge.prompts` (image descriptions such as "a chest radiograph showing ..."), so a
zero-shot evaluation still measures transfer to unseen wording.

A finding whose entry defines explicit ``prompt_pairs`` (No Finding) is itself a negation: negating its
synonyms would give double negatives. Its synonyms of the form "no X" are used flipped instead ("there is no
acute cardiopulmonary process." affirms No Finding, "there is acute cardiopulmonary process." denies it), so
the words of a normal report ("acute", "abnormality") stop meaning "normal" on their own; an entry with no
such synonym is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from medvlp.errors import ConfigError
from medvlp.knowledge.kb import KnowledgeBase

# (affirmed, negated) report-style templates; {term} is a knowledge-base synonym
# (the wrappers teach the text tower that the words around a finding do not change it; none of them is a
# zero-shot template, which a test checks)
TRAINING_PAIR_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("{term}.", "no {term}."),
    ("there is {term}.", "there is no {term}."),
    ("the image shows {term}.", "the image shows no {term}."),
    ("{term} is present.", "{term} is absent."),
)


@dataclass(frozen=True)
class FindingPairTexts:
    """``affirmed[k]`` / ``negated[k]``: the variants of finding ``names[k]`` (same count per finding)."""

    names: tuple[str, ...]
    affirmed: tuple[tuple[str, ...], ...]
    negated: tuple[tuple[str, ...], ...]

    @property
    def variants(self) -> int:
        return len(self.affirmed[0]) if self.affirmed else 0

    def flat(self) -> list[str]:
        """All texts in ``[K, 2, V]`` order (finding, then affirmed/negated, then variant)."""
        return [t for pos, neg in zip(self.affirmed, self.negated, strict=True) for t in (*pos, *neg)]


def finding_pair_texts(label_names: Sequence[str], max_synonyms: int = 2,
                       kb: KnowledgeBase | None = None) -> FindingPairTexts:
    """Pair texts for every label the knowledge base describes with plain synonyms.

    Each finding gets ``max_synonyms`` synonyms x the templates variants; a finding with fewer synonyms
    repeats its first ones so every finding has the same variant count (a dense ``[K, 2, V]`` tensor).
    """
    if max_synonyms < 1:
        raise ConfigError(f"max_synonyms must be >= 1, got {max_synonyms}")
    kb = kb or KnowledgeBase.load()
    names, affirmed, negated = [], [], []
    for name in label_names:
        if name not in kb:
            continue
        flipped = bool(kb.entry(name).prompt_pairs)
        synonyms = [s.removeprefix("no ") for s in kb.entry(name).synonyms if s.startswith("no ")] \
            if flipped else list(kb.entry(name).synonyms)
        if not synonyms:
            continue
        terms = [synonyms[i % len(synonyms)] for i in range(max_synonyms)]
        present = tuple(pos.format(term=t) for t in terms for pos, _ in TRAINING_PAIR_TEMPLATES)
        absent = tuple(neg.format(term=t) for t in terms for _, neg in TRAINING_PAIR_TEMPLATES)
        names.append(name)
        affirmed.append(absent if flipped else present)
        negated.append(present if flipped else absent)
    if not names:
        raise ConfigError(f"no label in {list(label_names)} has knowledge-base synonyms for pair texts")
    return FindingPairTexts(tuple(names), tuple(affirmed), tuple(negated))
