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

With ``descriptions`` (a modality), each finding also gets its knowledge-base definition and that modality's
appearance as terms ("there is fluid collecting in the sac around the heart."): the text tower then meets the
finding described in plain words, not only by name, as knowledge-enhanced text encoders learn from UMLS
definitions (KAD, BioLORD). The knowledge base's ``prompt_terms`` are never used here: zero-shot prompts are
built from them, and training on them would let the evaluation read its own prompts back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from medvlp.errors import ConfigError
from medvlp.knowledge.kb import MODALITIES, KnowledgeBase, KnowledgeEntry
from medvlp.knowledge.prompts import article_free

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


def description_terms(entry: KnowledgeEntry, modality: str) -> list[str]:
    """Two terms: the entry's definition and ``modality``'s appearance as noun phrases (first letter lowered,
    no leading article, no full stop).

    A description that contains one of the entry's prompt terms verbatim (the pleural effusion definition
    holds "fluid in the pleural space") is left out, the other one repeated in its place, and the first
    synonym when neither is usable: training must never see a prompt term that is not a plain synonym.
    """
    texts = [_phrase(entry.definition), _phrase(entry.appearance.get(modality, entry.definition))]
    lay = _lay_prompt_terms(entry)
    usable = [t for t in texts if not any(term in t for term in lay)]
    return [usable[i % len(usable)] for i in range(2)] if usable else [entry.synonyms[0]] * 2


def _lay_prompt_terms(entry: KnowledgeEntry) -> list[str]:
    bare = [_phrase(t) for t in entry.prompt_terms]
    return [t for t in bare if not any(t in s for s in entry.synonyms)]


def _phrase(sentence: str) -> str:
    text = sentence.strip().rstrip(".")
    keep_case = len(text) > 1 and text[1].isupper()  # an acronym ("CT shows ...")
    return article_free(text if keep_case else text[:1].lower() + text[1:])  # "there is no a round focus" otherwise


def finding_pair_texts(label_names: Sequence[str], max_synonyms: int = 2,
                       kb: KnowledgeBase | None = None, descriptions: str | None = None) -> FindingPairTexts:
    """Pair texts for every label the knowledge base describes with plain synonyms.

    Each finding gets ``max_synonyms`` synonyms (+ 2 description terms with ``descriptions``, a modality) x
    the templates variants; a finding with fewer synonyms repeats its first ones so every finding has the
    same variant count (a dense ``[K, 2, V]`` tensor). No Finding, itself a negation, repeats its synonyms
    in place of descriptions.
    """
    if max_synonyms < 1:
        raise ConfigError(f"max_synonyms must be >= 1, got {max_synonyms}")
    if descriptions is not None and descriptions not in MODALITIES:
        raise ConfigError(f"descriptions must be one of {list(MODALITIES)}, got {descriptions!r}")
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
        count = max_synonyms + (2 if descriptions and flipped else 0)
        terms = [synonyms[i % len(synonyms)] for i in range(count)]
        if descriptions and not flipped:
            terms += description_terms(kb.entry(name), descriptions)
        present = tuple(pos.format(term=t) for t in terms for pos, _ in TRAINING_PAIR_TEMPLATES)
        absent = tuple(neg.format(term=t) for t in terms for _, neg in TRAINING_PAIR_TEMPLATES)
        names.append(name)
        affirmed.append(absent if flipped else present)
        negated.append(present if flipped else absent)
    if not names:
        raise ConfigError(f"no label in {list(label_names)} has knowledge-base synonyms for pair texts")
    return FindingPairTexts(tuple(names), tuple(affirmed), tuple(negated))
