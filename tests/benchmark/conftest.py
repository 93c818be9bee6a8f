"""Fixtures of the benchmark tests (helpers live in ``bench_fixtures``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fixtures import write_ingest


@pytest.fixture
def ingest_dir(tmp_path: Path) -> Path:
    return write_ingest(tmp_path / "ingest")
