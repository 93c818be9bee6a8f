"""Report text: validation, sections, sentences, de-identification."""

from medvlp.text.decode import decode_report, validate_report
from medvlp.text.deid import DeidResult, PhiSpan, deidentify, find_phi
from medvlp.text.errors import (
    BinaryReportError,
    EmptyReportError,
    ReportEncodingError,
    ReportError,
    ReportTooLargeError,
)
from medvlp.text.sections import ReportSections, split_sections
from medvlp.text.sentences import split_sentences

__all__ = [
    "BinaryReportError", "DeidResult", "EmptyReportError", "PhiSpan", "ReportEncodingError", "ReportError",
    "ReportSections", "ReportTooLargeError", "decode_report", "deidentify", "find_phi", "split_sections",
    "split_sentences", "validate_report",
]
