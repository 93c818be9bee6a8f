"""Ingest test fixtures (helpers live in ingest_testlib.py: conftest modules cannot be imported by name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_testlib import SECRET, make_export


@pytest.fixture
def export(tmp_path: Path) -> tuple[Path, list[str]]:
    """(source folder, planted PHI values)."""
    source = tmp_path / "src"
    return source, make_export(source)


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("MEDVLP_PSEUDONYM_SECRET", SECRET.decode())
    return SECRET
