"""Report handling for one study: validate, de-identify, sections, sentences, labels."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

from medvlp.knowledge.labeler import Labeler
from medvlp.text import decode_report, deidentify, split_sections, split_sentences, validate_report


@dataclass
class ParsedReport:
    """De-identified report parts stored in shards (no original text is kept)."""

    text: str  # findings + impression (or the whole de-identified text)
    sections: dict[str, str]
    sentences: list[str]
    labels: dict[str, float | None] = field(default_factory=dict)
    laterality: dict[str, str] = field(default_factory=dict)


def load_report_text(report_path: str | None, report_text: str | None, source: str) -> str:
    """The raw report from a file or a table cell; raises a ``medvlp.text`` ReportError if bad."""
    if report_path is not None:
        return decode_report(Path(report_path).read_bytes(), source)
    return validate_report(report_text or "", source)


@functools.lru_cache(maxsize=4)
def _labeler(label_set: str) -> Labeler:
    return Labeler(label_set)  # rules compiled once per process


def _label(text: str, label_set: str) -> tuple[dict[str, float | None], dict[str, str]]:
    result = _labeler(label_set)(text)
    return dict(result.values), {k: v for k, v in result.laterality.items() if v}


def parse_report(raw: str, label_set: str, given_labels: dict[str, float] | None) -> ParsedReport:
    """De-identify first, then parse; labels from the source manifest win over the labeler."""
    clean = deidentify(raw).text
    sections = split_sections(clean)
    text = sections.text_for_training()
    labels, laterality = _label(clean, label_set)
    if given_labels:
        labels = {k: (None if math.isnan(v) else v) for k, v in given_labels.items()}
    return ParsedReport(text, sections.as_dict(), split_sentences(text), labels, laterality)
