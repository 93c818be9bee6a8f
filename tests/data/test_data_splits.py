from __future__ import annotations

import math

import numpy as np
import pytest

from medvlp.data.splits import Splits, assign_split, hash_unit, nested_label_fractions
from medvlp.errors import ConfigError


def test_assign_split_is_deterministic_and_close_to_ratios() -> None:
    patients = [f"patient-{i:05d}" for i in range(5000)]
    first = [assign_split(p, (0.7, 0.1, 0.2), "salt") for p in patients]
    again = [assign_split(p, (0.7, 0.1, 0.2), "salt") for p in patients]
    assert first == again
    counts = {s: first.count(s) / len(first) for s in ("train", "valid", "test")}
    assert abs(counts["train"] - 0.7) < 0.03 and abs(counts["valid"] - 0.1) < 0.02
    other = [assign_split(p, (0.7, 0.1, 0.2), "other-salt") for p in patients]
    assert other != first  # the salt keys the hash


def test_bad_ratios_rejected() -> None:
    with pytest.raises(ConfigError):
        assign_split("p", (0.5, 0.1, 0.1), "s")


def test_hash_unit_range() -> None:
    values = [hash_unit(str(i), "s") for i in range(1000)]
    assert all(0 <= v < 1 for v in values)
    assert abs(float(np.mean(values)) - 0.5) < 0.05


def _studies(n: int, rng: np.random.Generator) -> dict[str, dict[str, float | None]]:
    labels = ["A", "B", "Rare"]
    out = {}
    for i in range(n):
        lab = {"A": float(rng.random() < 0.3), "B": float(rng.random() < 0.5), "Rare": None}
        out[f"study-{i:04d}"] = lab
    out["study-0777"]["Rare"] = 1.0  # a single positive somewhere in the list
    assert set(labels) == set(out["study-0000"])
    return out


def test_label_fractions_nested_sized_and_stratified() -> None:
    studies = _studies(1000, np.random.default_rng(0))
    fractions = nested_label_fractions(studies, [0.01, 0.1, 1.0], "salt")
    one, ten, full = (set(fractions[k]) for k in ("0.01", "0.1", "1"))
    assert one <= ten <= full == set(studies)
    assert len(one) >= math.ceil(0.01 * 1000) and len(one) <= math.ceil(0.01 * 1000) + 3
    assert len(ten) == 100
    for subset in (one, ten):
        for label in ("A", "B", "Rare"):
            assert any(studies[s][label] == 1 for s in subset), label
    assert fractions == nested_label_fractions(studies, [1.0, 0.1, 0.01], "salt")


def test_splits_json_roundtrip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    splits = Splits(patients={"p1": "train"}, studies={"s1": "train"}, fractions={"0.5": ["s1"]})
    path = tmp_path / "splits.json"
    path.write_text(splits.to_json())
    loaded = Splits.load(path)
    assert loaded.subset(0.5) == {"s1"} and loaded.patients == {"p1": "train"}
    with pytest.raises(ConfigError):
        loaded.subset(0.2)
