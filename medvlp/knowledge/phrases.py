"""Compile human-written phrase lists into fast regular expressions (lower-case text).

Phrases go into a character trie that becomes one regex (shared prefixes are tried once), which is
much faster than a flat alternation of hundreds of phrases. Phrases match whole words; any run of
whitespace or hyphens matches a space or hyphen in the phrase.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping

from medvlp.errors import ConfigError
from medvlp.text.trie import starts_word, trie_regex, word_matches

PLURAL = "(?:e?s)?"
_GAP = r"[\s\-]+"


_GAPS = re.compile(r"[\s\-]+")


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace/hyphens the way the compiled phrases tolerate them."""
    return _GAPS.sub(" ", text.lower()).strip()


def _piece(ch: str) -> str:
    return _GAP if ch == " " else re.escape(ch)


def _end(plural: bool) -> Callable[[str], str]:
    def end(last: str) -> str:  # optional plural, then a right word boundary after a word character
        tail = PLURAL if plural and last.isalpha() else ""
        return tail + (r"(?![a-z0-9])" if last.isalnum() or tail else "")

    return end


def phrases_regex(phrases: Iterable[str], plural: bool = False) -> str:
    """Regex source matching any of ``phrases`` (longest preferred), right word boundary included.

    The left boundary is the caller's job (:func:`iter_phrases`): a leading look-behind would stop
    the regex engine from scanning quickly for the first characters.

    >>> bool(re.fullmatch(phrases_regex(["pleural effusion", "effusion"], plural=True), "pleural  effusions"))
    True
    """
    return trie_regex({normalise(p) for p in phrases if p and p.strip()}, piece=_piece, end=_end(plural))


def _token_or_punct_start(text: str, start: int) -> bool:
    return starts_word(text, start) or not text[start].isalnum()


def iter_spans(regex: re.Pattern[str] | None, text: str, pos: int = 0,
               endpos: int | None = None) -> Iterator[tuple[int, int]]:
    """Spans of ``regex`` in ``text[pos:endpos]`` that start a token (or start with punctuation)."""
    if regex is None:
        return
    for match in word_matches(regex, text, pos, endpos, _token_or_punct_start):
        yield match.span()


def compile_alternation(phrases: Iterable[str], patterns: Iterable[str] = (), plural: bool = False,
                        source: str = "rules") -> re.Pattern[str] | None:
    """One regex matching any phrase or any of the regular-expression ``patterns`` (or ``None``)."""
    parts = [p for p in [phrases_regex(phrases, plural)] if p]
    for pattern in patterns:
        # A leading \b is checked by iter_spans instead: it would disable the engine's fast scan.
        pattern = pattern.removeprefix(r"\b")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{source}: invalid regular expression {pattern!r}: {exc}") from None
        parts.append(f"(?:{pattern})")
    return re.compile("|".join(parts)) if parts else None


def phrase_key(matched: str, known: Mapping[str, object]) -> str | None:
    """The phrase of ``known`` that ``matched`` (possibly with a plural ending) came from."""
    key = normalise(matched)
    for candidate in (key, key[:-1], key[:-2]):
        if candidate in known:
            return candidate
    return None
