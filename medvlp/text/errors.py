"""Typed errors for bad report text (each names the source and the reason, never the text itself)."""

from __future__ import annotations

from medvlp.errors import InputError


class ReportError(InputError):
    """Base class of bad-report errors; ``path`` is the file or a row reference such as ``in.csv:12``."""


class EmptyReportError(ReportError):
    """The report is empty or whitespace only."""


class ReportEncodingError(ReportError):
    """The report bytes are not valid text in the expected encoding (UTF-8 by default)."""


class BinaryReportError(ReportError):
    """The report looks like binary data (NUL bytes or mostly control characters)."""


class ReportTooLargeError(ReportError):
    """The report is longer than the configured limit (a runaway file, not a radiology report)."""
