"""Build one regular expression from many literal strings through a character trie.

A flat alternation of N phrases is tried phrase by phrase at every position; the trie form shares
prefixes and starts with a plain character set, which Python's regex engine can scan for quickly.
Callers check word boundaries on the left themselves (a leading look-behind would disable that
fast scan).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator


def trie_regex(strings: Iterable[str], piece: Callable[[str], str] = re.escape, end: Callable[[str], str] = lambda last: "") -> str:
    """Regex source matching any of ``strings`` (longest first where one is a prefix of another).

    ``piece(ch)`` is the regex for one character (e.g. a space may become ``[ \\t]+``); ``end(last)``
    is appended where a string ends, given its last character (e.g. a plural or a word boundary).
    """
    root: dict[str, dict] = {}
    for text in set(strings):
        if not text:
            continue
        node = root
        for ch in text:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict], last: str) -> str:
        alternatives = [piece(ch) + build(node[ch], ch) for ch in sorted(k for k in node if k)]
        if "" in node:
            alternatives.append(end(last))
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    return build(root, "") if root else ""


def cased_variants(phrase: str) -> set[str]:
    """The spellings a header cue appears in: lower, Capitalised, Title Case, UPPER, "Patient ID"."""
    title_short_upper = " ".join(w.upper() if len(w) <= 3 else w.capitalize() for w in phrase.split(" "))
    return {phrase.lower(), phrase.capitalize(), phrase.title(), phrase.upper(), title_short_upper}


def starts_word(text: str, start: int) -> bool:
    """True when ``text[start]`` begins a token (no letter/digit, and for digits no ``.``/``,``, before it)."""
    if start == 0:
        return True
    before = text[start - 1]
    if before.isalnum():
        return False
    return not (before in ".," and text[start].isdigit())


def word_matches(regex: re.Pattern[str], text: str, pos: int = 0, endpos: int | None = None,
                 check: Callable[[str, int], bool] = starts_word) -> Iterator[re.Match[str]]:
    """Non-overlapping matches of ``regex`` that pass ``check(text, start)`` (default: start a token).

    Unlike filtering ``finditer``, a match rejected by the check does not swallow a valid match that
    starts inside it ("sub*solid nodule*" must still yield "nodule").
    """
    endpos = len(text) if endpos is None else endpos
    while pos <= endpos:
        match = regex.search(text, pos, endpos)
        if match is None:
            return
        if check(text, match.start()):
            yield match
            pos = match.end() if match.end() > match.start() else match.start() + 1
        else:
            pos = match.start() + 1
