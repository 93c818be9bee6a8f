"""Sentence splitting tuned to radiology prose.

Handles abbreviations (``Dr.``, ``vs.``, ``e.g.``, ``approx.``), decimals and measurements
(``1.5 cm``, ``3.2 x 2.1 mm``: no split because no space follows the dot), numbered lists
(``1. ... 2. ...``, markers removed) and hard line wraps (a single newline inside a paragraph
is a space; a blank line or a line starting a list item is a boundary).
"""

from __future__ import annotations

import re

ABBREVIATIONS = frozenset(
    ["dr", "drs", "mr", "mrs", "ms", "prof", "st", "vs", "v", "e.g", "eg", "i.e", "ie", "approx", "appr", "cf", "fig", "figs", "resp", "incl", "al"]
)

# Paragraph-level boundaries: blank lines, and newlines that start a list item or a header.
_LIST_START = r"(?:\d{1,2}[.)]|[-*\u2022])\s"
_PARAGRAPH = re.compile(rf"\n[ \t]*\n+|\n(?=[ \t]*{_LIST_START})|\n(?=[ \t]*[A-Z][A-Z /]{{2,}}:)")
# Candidate boundary: sentence punctuation, optional closing quote/bracket, whitespace.
_CANDIDATE = re.compile(r"([.!?;]?[.!?])[\"')\]]*\s+")
_LIST_MARKER = re.compile(rf"^\s*{_LIST_START}\s*")
_INLINE_NUMBER = re.compile(r"\s(?=\d{1,2}[.)]\s+[A-Za-z])")
_SPACES = re.compile(r"\s+")
_MARKER_ONLY = re.compile(r"\d{1,2}\.")
_NO_WORDS = re.compile(r"[\W\d_]*")


def _is_abbreviation(chunk: str) -> bool:
    """True when ``chunk`` (text up to and excluding the final dot) ends with a known abbreviation."""
    pieces = chunk[-16:].rsplit(maxsplit=1)  # abbreviations are short; look at the last token only
    word = pieces[-1].lstrip("([\"'") if pieces else ""
    if not word or not word[0].isalpha() or not word.replace(".", "").isalpha():
        return False
    # Single capital letters are initials ("J. Smith"); single lowercase letters are list items.
    return word.lower().rstrip(".") in ABBREVIATIONS or (len(word) == 1 and word.isupper())


def _split_paragraph(paragraph: str) -> list[str]:
    text = _SPACES.sub(" ", paragraph).strip()
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if match.group(1) == "." and _is_abbreviation(text[start : match.start()]):
            continue
        # "1. No effusion." -- the list marker itself is not a sentence.
        if _MARKER_ONLY.fullmatch(text[start:end].strip()):
            continue
        sentences.append(text[start:end].strip())
        start = end
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order, whitespace-normalised, list markers removed.

    >>> split_sentences("1. Heart size normal, approx. 12 cm. 2. No effusion.")
    ['Heart size normal, approx. 12 cm.', 'No effusion.']
    """
    out: list[str] = []
    for paragraph in _PARAGRAPH.split(text.replace("\r\n", "\n").replace("\r", "\n")):
        # Numbered items run together on one line ("1. A. 2. B.") are boundaries too.
        for piece in _INLINE_NUMBER.split(paragraph):
            for sentence in _split_paragraph(piece):
                sentence = _LIST_MARKER.sub("", sentence)
                if sentence and not _NO_WORDS.fullmatch(sentence):
                    out.append(sentence)
    return out
