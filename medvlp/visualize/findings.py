"""Match user-typed finding names to knowledge-base entries (case-insensitive, synonyms included)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from medvlp.errors import UnknownNameError
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.kb import KnowledgeBase


class UnknownFindingError(UnknownNameError):
    """A finding that is neither a knowledge-base name nor one of its synonyms."""


def _normalise(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").lower().split())


def finding_lookup(kb: KnowledgeBase, preferred: Sequence[str] = ()) -> dict[str, str]:
    """Normalised name or synonym -> canonical name.

    Names win over another entry's synonym; a synonym shared by several entries ("nodule") goes to
    the entry in ``preferred`` (the model's label set) when there is one, else to the first entry.
    """
    candidates: dict[str, list[str]] = {}
    for name in kb.names():
        for synonym in kb.entry(name).synonyms:
            candidates.setdefault(_normalise(synonym), []).append(name)
    lookup = {key: next((n for n in names if n in preferred), names[0]) for key, names in candidates.items()}
    lookup.update({_normalise(name): name for name in kb.names()})
    return lookup


def split_findings(text: str) -> list[str]:
    """``"pleural effusion, pneumothorax"`` -> ``["pleural effusion", "pneumothorax"]``."""
    return [part.strip() for part in text.split(",") if part.strip()]


def match_findings(names: Iterable[str], kb: KnowledgeBase | None = None,
                   preferred: Sequence[str] = ()) -> list[str]:
    """Canonical knowledge-base names, in the given order, without duplicates.

    ``preferred``: label names of the model, used to resolve synonyms shared by several entries.

    Raises :class:`UnknownFindingError` listing every unknown name and the known ones.
    """
    kb = kb or KnowledgeBase.load()
    lookup = finding_lookup(kb, preferred)
    matched: list[str] = []
    unknown: list[str] = []
    for raw in names:
        name = lookup.get(_normalise(raw))
        if name is None:
            unknown.append(raw)
        elif name not in matched:
            matched.append(name)
    if unknown:
        raise UnknownFindingError(
            f"unknown finding(s) {', '.join(repr(u) for u in unknown)}; "
            f"known findings: {', '.join(kb.names())}"
            " (synonyms such as 'effusion' or 'enlarged heart' also work)"
        )
    if not matched:
        raise UnknownFindingError(f"no findings given; known findings: {', '.join(kb.names())}")
    return matched


def sided_findings(names: Sequence[str]) -> frozenset[str]:
    """The findings that may carry laterality (they get left/right prompt variants)."""
    return frozenset(n for n in names if n in CHEXPERT.sided or n in CT.sided)
