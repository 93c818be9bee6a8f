"""One small synthetic dataset shared by the synthetic-data tests (generated through the CLI)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

N_CXR, N_CT = 150, 8
CXR_SIZE = 128  # signatures must be measurable even at half the default size
CT_SHAPE = (64, 64, 32)


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from medvlp.cli.main import main

    out = tmp_path_factory.mktemp("synth") / "data"
    argv = ["synth", "--out", str(out), "--n-cxr", str(N_CXR), "--n-ct", str(N_CT), "--seed", "7", "--cxr-size", str(CXR_SIZE),
            "--ct-shape", *map(str, CT_SHAPE), "--workers", "2"]
    assert main(argv) == 0
    return out


@pytest.fixture(scope="session")
def synth_counts() -> tuple[int, int]:
    """(radiograph studies, CT studies) of the shared dataset."""
    return N_CXR, N_CT


@pytest.fixture(scope="session")
def truth(synth_dir: Path) -> list[dict[str, str]]:
    with open(synth_dir / "ground_truth.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def reports(synth_dir: Path) -> dict[str, str]:
    with open(synth_dir / "reports.csv", newline="") as fh:
        return {r["study_key"]: r["report"] for r in csv.DictReader(fh)}
