"""Bad report input gets typed errors naming the source, never a crash or a silent empty string."""

from __future__ import annotations

import pytest

from medvlp.errors import InputError
from medvlp.text import (
    BinaryReportError,
    EmptyReportError,
    ReportEncodingError,
    ReportTooLargeError,
    decode_report,
    validate_report,
)


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty(data: bytes) -> None:
    with pytest.raises(EmptyReportError) as info:
        decode_report(data, "r.txt")
    assert info.value.path == "r.txt" and isinstance(info.value, InputError)
    assert info.value.code == "empty_report"


def test_non_utf8_bytes() -> None:
    with pytest.raises(ReportEncodingError, match="r.txt: not valid utf-8 at byte 6"):
        decode_report("Lungs \xe9clear".encode("latin-1"), "r.txt")
    assert decode_report("Lungs \xe9clear".encode("latin-1"), encoding="latin-1") == "Lungs \xe9clear"


def test_binary_garbage() -> None:
    garbage = bytes(range(256)) * 4
    with pytest.raises(BinaryReportError):
        decode_report(garbage, "x.bin")
    with pytest.raises(BinaryReportError):
        validate_report("ok text " + "\x01\x02\x03\x04" * 50)


def test_huge_report() -> None:
    with pytest.raises(ReportTooLargeError, match="exceeds the limit"):
        validate_report("No effusion. " * 800_000, "big.txt")


def test_surrogate_escaped_bytes_are_an_encoding_error() -> None:
    text = b"No effusion \xff".decode("utf-8", errors="surrogateescape")
    with pytest.raises(ReportEncodingError):
        validate_report(text, "in.csv:3")


def test_valid_text_passes_and_bom_is_dropped() -> None:
    assert decode_report("\ufeffNo effusion.".encode()) == "No effusion."
