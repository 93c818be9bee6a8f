"""De-identification of report text: PHI -> typed placeholders, clinical content untouched.

Detection combines patterns (dates, times, phones, IDs, e-mails, addresses), context cues (header
fields ``Patient:``/``MRN:``/``DOB:``, titles ``Dr.``/``Mrs.``, ``signed by``, ``discussed with``,
credentials ``, MD``) and common-name lists for bare "First Last" pairs. The result keeps the spans
found (kind and offsets, never the values) so callers can audit without re-exposing PHI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medvlp.text.deid_patterns import (
    CAPITALISED_WORD,
    FIRST_NAMES,
    LAST_NAMES,
    NAME,
    NAME_PAIR,
    NOT_NAMES,
    PATTERNS,
)
from medvlp.text.trie import starts_word, word_matches

_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_WINDOW = 120  # characters looked back for header starts and for names/institutions before an anchor


@dataclass(frozen=True)
class PhiSpan:
    """One identifier found in the *input* text: ``text[start:end]`` was replaced by ``[kind]``."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class DeidResult:
    """Redacted text and the spans (offsets into the original text) that were replaced."""

    text: str
    spans: tuple[PhiSpan, ...]

    def counts(self) -> dict[str, int]:
        """Number of spans per kind (safe to log: no values)."""
        out: dict[str, int] = {}
        for span in self.spans:
            out[span.kind] = out.get(span.kind, 0) + 1
        return out


def placeholder(kind: str) -> str:
    return f"[{kind}]"


def _name_pairs(text: str) -> list[PhiSpan]:
    spans = []
    for match in word_matches(NAME_PAIR, text):
        a, b = match.group("a"), match.group("b")
        if a.lower() in NOT_NAMES or b.lower() in NOT_NAMES:
            continue
        comma = "," in match.group("sep")
        first, last = (b, a) if comma else (a, b)
        if (comma and last.lower() in LAST_NAMES and first.lower() in FIRST_NAMES) or (
            not comma and (first.lower() in FIRST_NAMES or last.lower() in LAST_NAMES)
        ):
            spans.append(PhiSpan(NAME, match.start(), match.end()))
    return spans


def _lone_listed_names(text: str, found: list[PhiSpan]) -> list[PhiSpan]:
    """A capitalised listed name right next to a name already found ("John [NAME]") is part of it."""
    name_starts = {s.start for s in found if s.kind == NAME}
    name_ends = {s.end for s in found if s.kind == NAME}
    spans = []
    for match in word_matches(CAPITALISED_WORD, text):
        word = match.group().lower()
        if word in NOT_NAMES or (word not in FIRST_NAMES and word not in LAST_NAMES):
            continue
        before = {match.start() - 2, match.start() - 1, match.start()} & name_ends
        after = {match.end(), match.end() + 1} & name_starts
        if before or after:
            spans.append(PhiSpan(NAME, match.start(), match.end()))
    return spans


def _merge(spans: list[PhiSpan]) -> list[PhiSpan]:
    """Union overlapping spans; the merged span takes the kind of its longest member."""
    merged: list[PhiSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            kind = last.kind if (last.end - last.start) >= (span.end - span.start) else span.kind
            merged[-1] = PhiSpan(kind, last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return merged


def _anywhere(text: str, start: int) -> bool:
    return True


def _line_start_ok(text: str, start: int) -> bool:
    """A header cue starts a line, or follows the end of a sentence on the same line."""
    before = text[max(0, start - _WINDOW) : start]  # bounded look-back: linear time on huge lines
    line = before[before.rfind("\n") + 1 :]
    at_line_start = not line.strip() and ("\n" in before or start <= _WINDOW)
    return at_line_start or line.rstrip(" \t").endswith((".", ";"))


def find_phi(text: str) -> list[PhiSpan]:
    """All PHI spans in ``text``, sorted and non-overlapping."""
    lower = text.lower()
    words = set(_WORD.findall(lower))
    has_digit = _DIGIT.search(text) is not None
    spans: list[PhiSpan] = []
    for pattern in PATTERNS:
        if not pattern.guard.passes(lower, words, has_digit):
            continue
        check = _anywhere if pattern.left is not None else starts_word
        for match in word_matches(pattern.regex, text, check=check):
            if pattern.line_start and not _line_start_ok(text, match.start()):
                continue
            start, end = match.span("v") if "v" in pattern.regex.groupindex else match.span()
            if pattern.left is not None:
                left = pattern.left.search(text, max(text.rfind("\n", max(0, start - _WINDOW), start) + 1,
                                                         start - _WINDOW), start)
                if left is None or not starts_word(text, left.start()):
                    continue
                start, end = (left.start(), left.end()) if pattern.left_only else (left.start(), end)
            if end > start:
                spans.append(PhiSpan(pattern.kind, start, end))
    if not words.isdisjoint(FIRST_NAMES) or not words.isdisjoint(LAST_NAMES):
        spans.extend(_name_pairs(text))
        spans.extend(_lone_listed_names(text, spans))
    return _merge(spans)


def deidentify(text: str) -> DeidResult:
    """Replace every PHI span of ``text`` with its placeholder (``[NAME]``, ``[DATE]``, ``[ID]``...).

    >>> deidentify("Discussed with Dr. Smith on 01/02/2020, MRN 1234567.").text
    'Discussed with Dr. [NAME] on [DATE], MRN [ID].'
    """
    spans = find_phi(text)
    pieces, cursor = [], 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append(placeholder(span.kind))
        cursor = span.end
    pieces.append(text[cursor:])
    return DeidResult("".join(pieces), tuple(spans))
