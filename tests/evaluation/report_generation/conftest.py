"""Fixtures of the report-generation tests (helpers live in ``rg_fixtures``)."""

from __future__ import annotations

import pytest
from rg_fixtures import make_split

from medvlp.evaluation.data import EvalSplit


@pytest.fixture
def splits() -> dict[str, EvalSplit]:
    return {"train": make_split(24, 0), "valid": make_split(6, 1), "test": make_split(8, 2)}
