"""Turn raw report bytes/str into validated text, or raise a typed :class:`ReportError`.

Reports arrive from CSV cells, ``report.txt`` files and DICOM SR exports; all go through
:func:`validate_report` so empty, binary, mis-encoded and runaway inputs fail the same clear way.
"""

from __future__ import annotations

import re

from medvlp.text.errors import BinaryReportError, EmptyReportError, ReportEncodingError, ReportTooLargeError

# A chest radiograph report is ~0.5 kB and a long CT report ~10 kB; 1 MB is clearly not a report.
MAX_REPORT_CHARS = 1_000_000
# Control characters other than tab/newline/carriage return/form feed mark binary garbage.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def decode_report(data: bytes, source: str | None = None, encoding: str = "utf-8") -> str:
    """Decode ``data`` strictly and validate it (see :func:`validate_report`)."""
    if b"\x00" in data[:4096]:
        raise BinaryReportError(source, "contains NUL bytes (binary file?)")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReportEncodingError(source, f"not valid {encoding} at byte {exc.start}") from None
    return validate_report(text, source)


def validate_report(text: str, source: str | None = None, max_chars: int = MAX_REPORT_CHARS) -> str:
    """Return ``text`` (BOM stripped) if it is a plausible report, else raise a typed error.

    Strings decoded with ``errors="surrogateescape"`` carry undecodable bytes as lone surrogates;
    they are reported as an encoding error here so one bad CSV row never breaks the whole file.
    """
    if len(text) > max_chars:
        raise ReportTooLargeError(source, f"{len(text)} characters exceeds the limit of {max_chars}")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise EmptyReportError(source, "empty or whitespace-only report")
    if _SURROGATE.search(text):
        raise ReportEncodingError(source, "contains bytes that are not valid UTF-8")
    n_control = len(_CONTROL.findall(text[:10_000]))
    if "\x00" in text or n_control > max(3, len(text[:10_000]) // 20):
        raise BinaryReportError(source, f"{n_control} control characters (binary data?)")
    return text
