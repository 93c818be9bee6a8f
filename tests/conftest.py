"""Shared test configuration: offline hub, small thread counts, real-data discovery."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest


def pytest_configure(config: pytest.Config) -> None:
    try:
        import torch

        torch.set_num_threads(1)  # two xdist workers on two cores
    except ImportError:
        pass


@pytest.fixture(scope="session")
def realdata() -> Path:
    """Root of the real scanner files (``../shared/realdata``), or skip with the reason."""
    root = os.environ.get("MEDVLP_REALDATA")
    if not root:
        pytest.skip("MEDVLP_REALDATA is not set (real scanner files live in ../shared/realdata)")
    path = Path(root)
    if not path.is_dir():
        pytest.skip(f"MEDVLP_REALDATA={root} is not a directory")
    return path.resolve()  # absolute: tests link to these files from tmp folders
