"""Split a free-text radiology report into its sections.

Recognises the common header styles: ``FINDINGS:``, ``Findings -``, ``FINDINGS`` alone on a line,
inline ``... Impression: ...`` (Open-I style), MIMIC-CXR ``FINAL REPORT`` preambles, and header
synonyms (HISTORY, CLINICAL INFORMATION, CONCLUSION, SUMMARY...). Without any findings or
impression header the whole body counts as findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from medvlp.text.sentences import split_sentences
from medvlp.text.trie import cased_variants, trie_regex

# Canonical section -> header spellings (lowercase, spaces between words).
SECTION_HEADERS: dict[str, tuple[str, ...]] = {
    "indication": ("indication", "indications", "clinical indication", "history", "clinical history",
                   "clinical information", "clinical info", "clinical data", "clinical notes",
                   "reason for exam", "reason for examination", "reason for study", "reason"),
    "examination": ("examination", "exam", "type of examination", "procedure"),
    "technique": ("technique", "techniques", "protocol"),
    "comparison": ("comparison", "comparisons", "prior", "prior studies", "prior study"),
    "findings": ("findings", "finding", "description", "report"),
    "impression": ("impression", "impressions", "conclusion", "conclusions", "summary", "opinion",
                   "interpretation", "diagnosis", "assessment"),
    "recommendation": ("recommendation", "recommendations", "notification", "addendum"),
}
_CANONICAL = {h: name for name, headers in SECTION_HEADERS.items() for h in headers}
_VARIANTS = {v for h in _CANONICAL for v in cased_variants(h)}
# A header is either followed by a colon (anywhere a sentence may start), or alone on its line; where it
# may start is checked in Python (_starts_section) because a look-behind would slow the scan down.
_HEADER_WORDS = trie_regex(_VARIANTS, piece=lambda ch: r"[ \t]+" if ch == " " else re.escape(ch))
_HEADER = re.compile(
    rf"(?P<h>{_HEADER_WORDS})"
    r"[ \t]*(?::|[ \t]+-+(?:[ \t]|(?=\n)|$)|(?=[ \t]*(?:\n|$)))"
)
_SPACES = re.compile(r"\s+")


def _starts_section(text: str, start: int) -> bool:
    """A header starts a line, or follows a sentence end and one or two spaces on the same line."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i == 0 or text[i - 1] == "\n":
        return True
    return text[i - 1] in ".!?" and 1 <= start - i <= 2


_PREAMBLE_NOISE = re.compile(r"^\s*(?:final report|wet read|preliminary report)\b[:\s]*", re.IGNORECASE)


@dataclass
class ReportSections:
    """Sections of one report; absent sections are ``None``; ``raw`` is the input text."""

    findings: str | None = None  # whole body when the report has no findings/impression header
    impression: str | None = None
    indication: str | None = None
    technique: str | None = None
    comparison: str | None = None
    examination: str | None = None
    recommendation: str | None = None
    preamble: str | None = None
    headers_found: bool = False
    raw: str = field(default="", repr=False)

    def text_for_training(self) -> str:
        """Findings + impression (the supervision text); falls back to the whole body."""
        parts = [p for p in (self.findings, self.impression) if p]
        return "\n".join(parts) if parts else self.raw.strip()

    def impression_items(self) -> list[str]:
        """The impression as a list (numbered impressions become one item per number)."""
        return split_sentences(self.impression) if self.impression else []

    def as_dict(self) -> dict[str, str]:
        """Non-empty sections by name (the shard ``sections`` field)."""
        names = ("indication", "examination", "technique", "comparison", "findings", "impression",
                 "recommendation")
        return {n: v for n in names if (v := getattr(self, n))}


def _clean(text: str) -> str | None:
    text = text.strip(" \t\r\n:-")
    return text or None


def split_sections(text: str) -> ReportSections:
    """Parse ``text`` into :class:`ReportSections` (never raises on odd formatting)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    result = ReportSections(raw=text)
    matches = [m for m in _HEADER.finditer(text) if _starts_section(text, m.start())]
    preamble = _clean(_PREAMBLE_NOISE.sub("", text[: matches[0].start()] if matches else text))
    for i, match in enumerate(matches):
        body = _clean(text[match.end() : matches[i + 1].start() if i + 1 < len(matches) else len(text)])
        name = _CANONICAL[_SPACES.sub(" ", match.group("h").lower())]
        if body is None:
            continue
        previous = getattr(result, name)
        setattr(result, name, f"{previous}\n{body}" if previous else body)
    result.headers_found = bool(matches)
    if result.findings is None and result.impression is None:
        # No findings/impression header: the body (all text that is not a known header) is findings.
        result.findings = preamble
        result.preamble = None
    else:
        result.preamble = preamble
    return result
