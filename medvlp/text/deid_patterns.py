"""The regular expressions behind :mod:`medvlp.text.deid`, compiled once at import.

Each :class:`PhiPattern` has a regex (when it has a group named ``v`` only that group is PHI, so the
cue word such as ``MRN:`` or ``Dr.`` stays readable), a cheap :class:`Guard` that skips it on texts
that cannot match, and position checks done in Python (token start, line start) because leading
look-behinds would make the regex engine slow. Clinical text must survive: numbers with units,
vertebral levels (``C7``, ``T10``), sizes (``3.2 x 2.1 mm``) never match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from medvlp.text.trie import cased_variants, trie_regex

NAME, DATE, TIME, AGE, ID, PHONE, EMAIL, URL, ADDRESS, INSTITUTION = (
    "NAME", "DATE", "TIME", "AGE", "ID", "PHONE", "EMAIL", "URL", "ADDRESS", "INSTITUTION")


def _load_names(filename: str) -> frozenset[str]:
    text = resources.files("medvlp.text").joinpath("names").joinpath(filename).read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


FIRST_NAMES = _load_names("first_names.txt")
LAST_NAMES = _load_names("last_names.txt")
# Capitalised words that start sentences or headers and must never be taken for names.
NOT_NAMES = frozenset(
    ["the", "a", "an", "no", "there", "this", "that", "these", "those", "left", "right", "bilateral", "upper", "lower", "chest", "heart", "lung", "lungs", "findings", "impression", "comparison", "indication", "history", "technique", "exam", "examination", "portable", "frontal", "lateral", "view", "views", "final", "report", "clinical", "information", "mild", "moderate", "severe", "small", "large", "stable", "new", "interval", "unchanged", "normal", "limited", "patient", "study", "series", "image", "images", "contrast", "ct", "mri", "xray", "and", "or", "with", "without", "is", "are", "was", "were", "has", "have", "on", "in", "at", "of", "for", "to", "by", "from", "per"]
)
MONTHS = ("jan january feb february mar march apr april may jun june jul july aug august sep sept "
          "september oct october nov november dec december")
STREET_WORDS = ("street st avenue ave road rd boulevard blvd lane ln drive court ct way place pl parkway pkwy "
                "highway hwy terrace circle square")


@dataclass(frozen=True)
class Guard:
    """Cheap pre-check so a costly regex only runs on texts that could match it.

    ``substrings`` are looked for in the lower-cased text, ``words`` in its set of lower-case words;
    the guard passes if any is present (or none are given) and, with ``digit``, the text has a digit.
    """

    substrings: tuple[str, ...] = ()
    words: frozenset[str] = frozenset()
    digit: bool = False

    def passes(self, lower: str, words: set[str], has_digit: bool) -> bool:
        if self.digit and not has_digit:
            return False
        if not self.substrings and not self.words:
            return True
        return any(s in lower for s in self.substrings) or not self.words.isdisjoint(words)


def G(*substrings: str, words: str = "", digit: bool = False) -> Guard:
    return Guard(substrings, frozenset(words.split()), digit)


@dataclass(frozen=True)
class PhiPattern:
    kind: str
    regex: re.Pattern[str]
    guard: Guard
    line_start: bool = False  # header field: only at the start of a line (or after ". ")
    # Anchor-then-extend: the regex finds a rare anchor ("Hospital", ", MD"); ``left`` (anchored with
    # ``$``) finds the capitalised words before it. ``left_only``: only those words are PHI.
    left: re.Pattern[str] | None = None
    left_only: bool = False


def _cues(*phrases: str) -> str:
    """Trie regex of header/context cue phrases in their usual casings; spaces match spaces/tabs."""
    variants = {v for p in phrases for v in cased_variants(p)}
    return trie_regex(variants, piece=lambda ch: r"[ \t]+" if ch == " " else re.escape(ch))


_MONTH = _cues(*MONTHS.split()) + r"\.?(?![a-z])"
# One name token: Titlecase ("Smith", "O'Brien", "McDonald", "Smith-Jones") or an initial ("A.").
_TOKEN = r"(?:(?:[A-Z]'|Ma?c)?[A-Z][a-z]+(?:['\-][A-Z]?[a-z]+)*|[A-Z][a-z]*[A-Z][a-z]+|[A-Z]\.|[A-Z]\b)"
_NAME_VALUE = rf"{_TOKEN}(?:(?:[ \t]|,[ \t]?)(?!(?i:and|the|at|on|in|to|of|is|was|re)\b){_TOKEN}){{0,3}}"
_TITLE = r"(?:Dr|DR|Drs|Doctor|Mr|MR|Mrs|MRS|Ms|Miss|Prof|Professor)\b\.?[ \t]*"
_NAME_CUE = _cues(
    "physician", "referring physician", "ordering physician", "attending physician", "treating physician",
    "doctor", "clinician", "provider", "attending", "radiologist", "resident", "fellow", "technologist",
    "reported by", "dictated by", "signed by", "electronically signed by", "read by", "reviewed by",
    "interpreted by", "verified by", "discussed with", "communicated to", "called to", "conveyed to",
    "notified", "d/w", "cc") + r"\b[ \t]*:?[ \t]*(?:the[ \t]+)?"
# A header value ends at the line end, a run of spaces, or the next known field ("... MRN: 123").
_FIELD_END = (r"(?=\s*$|\s{2,}|\s+(?i:mrn|dob|acc|accession|name|patient|date|exam|sex|gender|age|id|phone|"
              r"referring|physician|ordering|attending|location|room|bed)\b[^:\n]{0,20}:)")
_ID_CUE = _cues(
    "mrn", "medical record", "medical record number", "medical record no", "medical record #", "record number",
    "record no", "record #", "accession", "accession number", "accession no", "accession #", "acc#", "acc #",
    "acc", "acc no", "patient id", "pt id", "id", "id number", "id no", "ssn", "social security",
    "social security number", "case number", "case no", "case #", "encounter", "encounter number",
    "encounter #", "visit number", "visit #", "order number", "order #", "health card", "health card number",
    "insurance", "insurance number", "insurance id")
_DATE_CUE = _cues("on", "dated", "from", "since", "of")
_STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Court|Ct|Way|Place|Pl|"
           r"Parkway|Pkwy|Highway|Hwy|Terrace|Circle|Square)")
_INSTITUTION_WORD = (r"(?:Hospital|Medical Cent(?:er|re)|Health Cent(?:er|re)|Health System|Healthcare|"
                     r"Clinic|Infirmary|Imaging Cent(?:er|re)|Radiology Associates|Cancer Cent(?:er|re)|"
                     r"Institute|Medical Group|Surgical Cent(?:er|re)|Memorial)")
_CAP = r"(?:[A-Z][A-Za-z'&.\-]*[a-z][A-Za-z'&.\-]*|St\.?|[A-Z]{2,})"
# Words before an institution word that belong to its name ("St. Mary's General" Hospital).
INSTITUTION_PREFIX = re.compile(rf"(?:{_CAP}[ \t]+){{1,5}}$")
# A name right before a credential ("Kristin Lindgren, MD").
NAME_PREFIX = re.compile(rf"{_TOKEN}(?:(?:[ \t]|,[ \t]?){_TOKEN}){{0,3}}(?=,?[ \t]*$)")


def _header(kind: str, cues: tuple[str, ...], guard: Guard, value: str = r"[^\n]+?") -> PhiPattern:
    regex = re.compile(rf"{_cues(*cues)}[ \t]*:[ \t]*(?P<v>{value}){_FIELD_END}", re.MULTILINE)
    return PhiPattern(kind, regex, guard, line_start=True)


def _p(kind: str, regex: str, guard: Guard, flags: int = 0, **kw: Any) -> PhiPattern:
    return PhiPattern(kind, re.compile(regex, flags), guard, **kw)


PATTERNS: tuple[PhiPattern, ...] = (
    # --- header fields: the value up to the end of the line (or the next "Field:") --------------------
    _header(NAME, ("patient name", "patient full name", "patient's name", "patient", "pt name", "name", "referring",
                   "referring physician", "physician", "radiologist", "attending"), G(":"),
            value=r"(?![ \t]*(?:\[|_|X{3}))[^\n:]+?"),
    _header(DATE, ("dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate", "date of service",
                   "date of exam", "date of study", "exam date", "study date", "date"), G(":")),
    _header(ADDRESS, ("address", "home address", "patient address"), G(words="address")),
    _header(INSTITUTION, ("institution", "facility", "hospital", "hospital name", "performing facility"),
            G(words="institution facility hospital")),
    # --- identifiers and contact details --------------------------------------------------------------
    _p(ID, rf"{_ID_CUE}[ \t]*[:#]?[ \t]*(?:is[ \t]+|number[ \t]+)?(?P<v>[A-Za-z]{{0,4}}-?\d[A-Za-z0-9\-/]*)",
       G(words="mrn record medical accession acc id ssn social case encounter visit order card insurance", digit=True)),
    _p(EMAIL, r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b", G("@")),
    _p(URL, r"(?:https?://|www\.)\S+", G("http", "www.")),
    _p(PHONE, r"(?:\+1[\s.\-]?\(?\d{3}\)?[\s.\-]?|\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}(?!\d)"
              r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?",
       G(digit=True)),
    _p(PHONE, _cues("pager", "beeper", "page", "ext", "extension", "phone", "tel", "telephone", "fax", "cell",
                    "contact number", "call")
       + r"\.?[ \t]*(?:#|no\.?|number)?[ \t]*:?[ \t]*(?P<v>\d[\d\-]{2,}\d)",
       G(words="pager beeper page ext extension phone tel telephone fax cell contact call", digit=True)),
    _p(ID, r"\d{3}-\d{2}-\d{4}\b", G("-", digit=True)),
    _p(ID, r"[A-Z]{1,5}-?\d{5,}[A-Z0-9]*\b", G(digit=True)),
    _p(ID, r"\d{7,}(?![\d.,]?\d)(?![ \t]*(?:mm|cm|ml|mgy|hu)\b)", G(digit=True)),
    # --- dates and times ------------------------------------------------------------------------------
    _p(DATE, r"(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b", G(digit=True)),
    _p(DATE, r"(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:19|20)?\d{2}\b", G(digit=True)),
    _p(DATE, r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\b", G(digit=True)),
    _p(DATE, rf"{_MONTH}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]+(?:19|20)\d{{2}}\b", G(words=MONTHS, digit=True)),
    _p(DATE, rf"\d{{1,2}}[-/ ]{_MONTH}[-/ ](?:19|20)?\d{{2}}\b", G(words=MONTHS, digit=True)),
    _p(DATE, rf"\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{_MONTH},?[ \t]+(?:19|20)\d{{2}}\b",
       G(words=MONTHS, digit=True)),
    _p(DATE, rf"{_MONTH}[ \t]+(?:19|20)\d{{2}}\b", G(words=MONTHS, digit=True)),
    _p(DATE, rf"{_DATE_CUE}[ \t]+(?P<v>{_MONTH}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?)\b", G(words=MONTHS, digit=True)),
    _p(DATE, rf"{_DATE_CUE}[ \t]+(?P<v>(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))\b(?![ \t]*(?:mm|cm))", G("/")),
    _p(TIME, r"(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*(?:[AaPp]\.?[Mm]\.?)(?![A-Za-z]))?", G(":", digit=True)),
    _p(TIME, r"(?:1[0-2]|0?[1-9])\s*(?:[AaPp]\.[Mm]\.|[AaPp][Mm]\b)", G("am", "pm", "a.m", "p.m", digit=True)),
    _p(TIME, r"(?:[01]\d|2[0-3])[0-5]\d\s*(?:h|hrs|hours)\b", G(words="h hrs hours", digit=True)),
    # --- ages over 89 (HIPAA safe harbour keeps younger ages) -----------------------------------------
    _p(AGE, r"(?P<v>9\d|1[0-2]\d)(?=\s*-?\s*(?i:years?|yrs?|y/?o|y\.o\.)\b|\s*-?\s*(?i:year|yr)s?-old)",
       G("year", "yr", "y/o", "yo", "y.o", digit=True)),
    _p(AGE, _cues("age", "aged", "age of") + r"[ \t]*:?[ \t]*(?P<v>9\d|1[0-2]\d)\b", G(words="age aged", digit=True)),
    # --- addresses and institutions -------------------------------------------------------------------
    _p(ADDRESS, rf"\d{{1,5}}[ \t]+(?:[A-Z][a-z]+\.?[ \t]+){{1,3}}{_STREET}\b\.?(?:,?[ \t]*(?:Apt|Suite|Unit|#)\.?[ \t]*\w+)?"
                r"(?:,[ \t]*[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)*)?(?:,?[ \t]*[A-Z]{2})?(?:[ \t]+\d{5}(?:-\d{4})?)?",
       G(words=STREET_WORDS, digit=True)),
    _p(ADDRESS, r"[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)*,[ \t]*[A-Z]{2}[ \t]+\d{5}(?:-\d{4})?\b", G(digit=True)),
    _p(INSTITUTION, rf"{_INSTITUTION_WORD}(?:[ \t]+(?:Hospital|Cent(?:er|re)))?(?:[ \t]+of[ \t]+(?:{_CAP}[ \t]?){{1,3}})?",
       G(words="hospital center centre health healthcare clinic infirmary institute associates group memorial"),
       left=INSTITUTION_PREFIX),
    _p(INSTITUTION, rf"(?:University|Hospital|Infirmary|Clinic)[ \t]+of[ \t]+(?:{_CAP}[ \t]?){{1,3}}",
       G(words="university hospital infirmary clinic")),
    # --- names by context -----------------------------------------------------------------------------
    _p(NAME, rf"{_TITLE}(?P<v>{_NAME_VALUE})", G(words="dr drs doctor mr mrs ms miss prof professor")),
    _p(NAME, rf"{_NAME_CUE}(?:{_TITLE})?(?P<v>{_NAME_VALUE})",
       G(words="physician doctor clinician provider attending radiologist resident fellow technologist by "
               "discussed communicated called conveyed notified d cc")),
    _p(NAME, r",?[ \t]+(?:MD|M\.D\.|DO|D\.O\.|PhD|RN|NP|PA-C|MBBS|FRCR|FRCPC)\b",
       G(words="md do phd rn np pa mbbs frcr frcpc m"), left=NAME_PREFIX, left_only=True),
)
# Names by list: "First Last" or "Last, First" where the list confirms at least one part.
_WORD = r"(?:[A-Z]'|Ma?c)?[A-Z][a-z]+(?:['\-][A-Z]?[a-z]+)*"
NAME_PAIR = re.compile(rf"(?P<a>{_WORD})(?P<sep>,?[ \t]+)(?:[A-Z]\.?[ \t]+)?(?P<b>{_WORD})\b")
CAPITALISED_WORD = re.compile(rf"{_WORD}\b")
