"""Fixtures for training tests (helpers live in ``train_fixtures``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_fixtures import write_tiny_shards


@pytest.fixture
def shard_root(tmp_path: Path) -> Path:
    write_tiny_shards(tmp_path, n_samples=48, n_shards=4)
    write_tiny_shards(tmp_path, n_samples=16, n_shards=1, split="valid", seed=1)
    return tmp_path
