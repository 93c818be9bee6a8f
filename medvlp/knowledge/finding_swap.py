"""Finding-swap hard negatives: a report whose affirmed finding and negated finding trade places.

Why: a contrastive model of chest images and reports first learns *how abnormal* a study is (the number of
affirmed findings, which a text tower reads off the count of negation cues) and ranks every finding by that
one score (benchmarks/RESULTS.md, session 10: the findings' zero-shot scores correlate at |r| = 0.999). A
report in which finding ``a`` (affirmed) and finding ``b`` (negated or unmentioned) are swapped states as
many findings as the original, so the image can only prefer its own report over the swap by telling ``a``
from ``b``: a hard negative that the count cannot solve (hard negatives by text edits as in NegCLIP,
Yuksekgonul et al., ICLR 2023; here the edit is chosen by the report labeler so the meaning provably changes).

The swap replaces whole sentences with real report sentences of the training corpus (a
:class:`SentenceBank` of sentences that state exactly one finding, affirmed or negated), so the negative is
worded like any report and its style cannot give it away. Only sentences that state one finding are edited;
a finding also mentioned in a sentence with other findings, or with an uncertain mention, is not swapped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from medvlp.knowledge.findings import NEGATIVE, POSITIVE
from medvlp.knowledge.labeler import Labeler

NOT_SWAPPED = frozenset({"No Finding"})  # derived from the others: "swapping" it would change the count


@cache
def sentence_labeler(label_set: str) -> Labeler:
    """The labeler of ``label_set`` reading single sentences (compiled once per process and label set)."""
    return Labeler(label_set, section="all")


def sentence_findings(labeler: Labeler, sentences: Sequence[str]) -> list[dict[str, float]]:
    """Per sentence, the labels it states (``{label: 1.0 | 0.0 | -1.0}``, derived ``No Finding`` left out)."""
    out = []
    for sentence in sentences:
        values = labeler(sentence).values if sentence.strip() else {}
        out.append({k: float(v) for k, v in values.items() if v is not None and k not in NOT_SWAPPED})
    return out


@dataclass
class SentenceBank:
    """Report sentences that state exactly one finding: ``sentences[label_set][label][polarity]`` (``"1"``/``"0"``)."""

    sentences: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict)

    def add(self, label_set: str, label: str, polarity: float, sentence: str, cap: int) -> None:
        bucket = self.sentences.setdefault(label_set, {}).setdefault(label, {}).setdefault(str(int(polarity)), [])
        if len(bucket) < cap and sentence not in bucket:
            bucket.append(sentence)

    def get(self, label_set: str, label: str, polarity: float) -> list[str]:
        return self.sentences.get(label_set, {}).get(label, {}).get(str(int(polarity)), [])

    @classmethod
    def build(cls, reports: Iterable[tuple[str, Sequence[str]]], cap: int = 64) -> SentenceBank:
        """``reports``: ``(label_set, sentences)`` of the training reports; at most ``cap`` distinct sentences a key."""
        bank = cls()
        for label_set, sentences in reports:
            for sentence, found in zip(sentences, sentence_findings(sentence_labeler(label_set), sentences),
                                       strict=True):
                if len(found) == 1:
                    ((label, value),) = found.items()
                    if value in (POSITIVE, NEGATIVE):
                        bank.add(label_set, label, value, sentence.strip(), cap)
        return bank

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.sentences, indent=1, sort_keys=True))

    @classmethod
    def load(cls, path: Path) -> SentenceBank:
        return cls(json.loads(path.read_text()))


@dataclass(frozen=True)
class Swap:
    """One hard negative: ``affirmed`` (stated in the report) and ``negated`` (denied or unmentioned) traded."""

    affirmed: str
    negated: str
    sentences: tuple[str, ...]


class FindingSwapper:
    """``swaps(label_set, sentences, rng, n)`` -> up to ``n`` reports with two findings traded (distinct pairs)."""

    def __init__(self, bank: SentenceBank) -> None:
        self.bank = bank

    def candidates(self, label_set: str, sentences: Sequence[str]
                   ) -> tuple[list[str], list[str], list[dict[str, float]]]:
        """Findings that can leave (affirmed) and enter (negated/unmentioned), and each sentence's labels."""
        labeler = sentence_labeler(label_set)
        found = sentence_findings(labeler, sentences)
        stated: dict[str, set[float]] = {}
        shared: set[str] = set()  # mentioned in a sentence together with another finding
        for labels in found:
            for label, value in labels.items():
                stated.setdefault(label, set()).add(value)
                if len(labels) > 1:
                    shared.add(label)
        names = [n for n in labeler.label_set.labels if n not in NOT_SWAPPED]
        leave = [n for n in names if stated.get(n) == {POSITIVE} and n not in shared
                 and self.bank.get(label_set, n, NEGATIVE)]
        enter = [n for n in names if stated.get(n, {NEGATIVE}) == {NEGATIVE} and n not in shared
                 and self.bank.get(label_set, n, POSITIVE)]
        return leave, enter, found

    def swaps(self, label_set: str, sentences: Sequence[str], rng: np.random.Generator, n: int) -> list[Swap]:
        leave, enter, found = self.candidates(label_set, sentences)
        pairs = [(a, b) for a in leave for b in enter]
        if not pairs or n <= 0:
            return []
        out = []
        for index in rng.permutation(len(pairs))[:n]:
            a, b = pairs[int(index)]
            now_b = self._pick(label_set, b, POSITIVE, rng)  # replaces every sentence that affirmed a
            now_a = self._pick(label_set, a, NEGATIVE, rng)  # replaces every sentence that denied b
            edited = []
            for sentence, labels in zip(sentences, found, strict=True):
                if labels.get(a) == POSITIVE:
                    edited.append(now_b)
                elif labels.get(b) == NEGATIVE:
                    edited.append(now_a)
                else:
                    edited.append(sentence)
            out.append(Swap(a, b, tuple(edited)))
        return out

    def _pick(self, label_set: str, label: str, polarity: float, rng: np.random.Generator) -> str:
        choices = self.bank.get(label_set, label, polarity)
        return choices[int(rng.integers(len(choices)))]
