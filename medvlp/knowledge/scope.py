"""NegEx-style cue scope and laterality inside one sentence.

All offsets are into the lower-cased, newline-joined sentence text the labeler builds, so a cue
never reaches across a sentence boundary (``\\n``). A pre-cue reaches forward up to
``pre_scope_words`` words and a post-cue backward up to ``post_scope_words``, both stopped by a
terminator ("but", "however", ";" ...). The nearest cue on each side decides.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from medvlp.knowledge.findings import NEGATIVE, POSITIVE, UNCERTAIN
from medvlp.knowledge.phrases import iter_spans, normalise
from medvlp.knowledge.rules import CueRules

_WORD = re.compile(r"[a-z0-9]+")
_CLAUSE_BACK = re.compile(r"[,;:\n]")
_CLAUSE_FORWARD = re.compile(r"[,;:\n]|\b(?:and|or|with|but|while|whereas)\b")
LATERALITY_WORDS = 5
_WINDOW = 80  # characters around a mention searched for side words
_SCOPE_CHARS = 200  # a cue further away than this (in characters) is out of scope whatever the words


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    roles: frozenset[str]
    text: str


def find_cues(text: str, rules: CueRules) -> list[Cue]:
    """Every cue in ``text`` (longest phrase wins where cues overlap, e.g. "cannot be excluded")."""
    out = []
    for start, end in iter_spans(rules.regex, text):
        key = normalise(text[start:end])
        out.append(Cue(start, end, rules.roles.get(key, frozenset()), key))
    return out


def _words_between(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text, start, end)) if end > start else 0


def _terminated(cues: list[Cue], start: int, end: int) -> bool:
    lo = bisect.bisect_left(cues, start, key=lambda c: c.start)
    hi = bisect.bisect_left(cues, end, key=lambda c: c.start)
    return any("terminators" in c.roles and c.end <= end for c in cues[lo:hi])


def resolve(text: str, start: int, end: int, cues: list[Cue], rules: CueRules) -> tuple[float, Cue | None]:
    """Value of the mention ``text[start:end]`` given the sentence's cues, and the deciding cue."""
    best_pre: tuple[int, Cue] | None = None
    best_post: tuple[int, Cue] | None = None
    lo = bisect.bisect_left(cues, start - _SCOPE_CHARS, key=lambda c: c.start)
    hi = bisect.bisect_right(cues, end + _SCOPE_CHARS, key=lambda c: c.start)
    for cue in cues[lo:hi]:
        if cue.roles & {"negation_pre", "uncertainty_pre"} and cue.end <= end and cue.start < end and (
            cue.end <= start or cue.start >= start
        ):
            gap = _words_between(text, cue.end, start)
            in_scope = gap <= rules.pre_scope_words and not _terminated(cues, cue.end, start)
            if in_scope and (best_pre is None or gap <= best_pre[0]):  # equal gap: the later cue is nearer
                best_pre = (gap, cue)
        if cue.roles & {"negation_post", "uncertainty_post"} and cue.start >= end:
            gap = _words_between(text, end, cue.start)
            in_scope = gap <= rules.post_scope_words and not _terminated(cues, end, cue.start)
            if in_scope and (best_post is None or gap < best_post[0]):
                best_post = (gap, cue)
    pre = best_pre[1] if best_pre else None
    post = best_post[1] if best_post else None
    if pre and "uncertainty_pre" in pre.roles:
        return UNCERTAIN, pre
    if post and "uncertainty_post" in post.roles:
        return UNCERTAIN, post
    if pre and "negation_pre" in pre.roles:
        return NEGATIVE, pre
    if post and "negation_post" in post.roles:
        return NEGATIVE, post
    return POSITIVE, None


def laterality(text: str, start: int, end: int, rules: CueRules) -> str | None:
    """Side named for the mention ``text[start:end]``: inside it, just before it, or just after it.

    Looks backward to the previous comma/semicolon and forward to the next clause boundary
    ("and", "with", ","), at most :data:`LATERALITY_WORDS` words away; the nearest side word wins.
    """
    window = max(0, start - _WINDOW)  # side words are a few words away: bounded look-around
    line_start = text.rfind("\n", window, start) + 1 or window
    back = max((m.end() for m in _CLAUSE_BACK.finditer(text, line_start, start)), default=line_start)
    forward_match = _CLAUSE_FORWARD.search(text, end, end + _WINDOW)
    forward = forward_match.start() if forward_match else min(len(text), end + _WINDOW)
    best: tuple[int, str] | None = None
    for s, e in iter_spans(rules.laterality, text, back, forward):
        if e <= start:
            gap = _words_between(text, e, start)
        elif s >= end:
            gap = _words_between(text, end, s) + 1  # prefer a side word before the noun
        else:
            gap = 0
        side = rules.sides.get(normalise(text[s:e]))
        if side and gap <= LATERALITY_WORDS and (best is None or gap < best[0]):
            best = (gap, side)
    return best[1] if best else None
