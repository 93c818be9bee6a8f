"""Read the few header fields adapters need (view, IDs, size) without decoding pixels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medvlp.io.dicom_file import open_dicom


def dicom_fields(path: Path, keywords: Sequence[str]) -> dict[str, str]:
    """``keyword -> text`` for ``keywords`` ('' when absent); raises ``medvlp.io.errors`` on bad files."""
    dataset = open_dicom(path, header_only=True, specific_tags=list(keywords))
    return {k: str(dataset.get(k, "") or "").strip() for k in keywords}
