"""Deterministic patient-level splits and nested label-fraction subsets, stored once in splits.json.

Patients are assigned to train/valid/test by a keyed hash of their pseudonym, so a patient's studies
never straddle two splits and adding new patients never moves old ones. Label-fraction subsets
(1% ⊂ 10% ⊂ 100% of train) are fixed here once; training seeds never resample them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from medvlp import keys
from medvlp.errors import ConfigError, InputError

SPLITS_VERSION = 1


def hash_unit(key: str, salt: str) -> float:
    """A uniform number in [0, 1) from a keyed hash (HMAC-SHA256) of ``key``."""
    digest = hmac.new(salt.encode(), key.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_split(patient: str, ratios: Sequence[float], salt: str) -> str:
    """train/valid/test for one patient pseudonym, by cumulative ``ratios`` (summing to 1)."""
    if len(ratios) != len(keys.SPLITS) or abs(sum(ratios) - 1.0) > 1e-6 or min(ratios) < 0:
        raise ConfigError(f"split ratios {list(ratios)} must be 3 non-negative numbers summing to 1")
    u = hash_unit(patient, salt)
    cumulative = 0.0
    for name, ratio in zip(keys.SPLITS, ratios):
        cumulative += ratio
        if u < cumulative:
            return name
    return keys.SPLITS[-1]


def nested_label_fractions(
    studies: Mapping[str, Mapping[str, float | None]],
    fractions: Sequence[float],
    salt: str,
) -> dict[str, list[str]]:
    """Nested, label-stratified subsets of training studies.

    ``studies``: study id -> {label: 1/0/-1/None}. For each fraction (ascending) the subset holds the
    previous subset, then for every label still without a positive the first positive study in hash
    order ("at least one positive per label where possible"), then more studies in hash order up to
    ``ceil(fraction * N)``. Returns ``{"0.01": [ids...], ...}`` with ids sorted.
    """
    order = sorted(studies, key=lambda s: (hash_unit(s, salt + ":fraction"), s))
    labels = sorted({name for lab in studies.values() for name in lab})
    chosen: list[str] = []
    chosen_set: set[str] = set()
    out: dict[str, list[str]] = {}
    for fraction in sorted(fractions):
        if not 0 < fraction <= 1:
            raise ConfigError(f"label fraction {fraction} must be in (0, 1]")
        target = min(len(order), max(1, math.ceil(fraction * len(order)))) if order else 0
        for label in labels:
            if any(studies[s].get(label) == 1 for s in chosen):
                continue
            first_pos = next((s for s in order if studies[s].get(label) == 1), None)
            if first_pos is not None and first_pos not in chosen_set:
                chosen.append(first_pos)
                chosen_set.add(first_pos)
        for s in order:
            if len(chosen) >= target:
                break
            if s not in chosen_set:
                chosen.append(s)
                chosen_set.add(s)
        out[format_fraction(fraction)] = sorted(chosen)
    return out


def format_fraction(fraction: float) -> str:
    return f"{fraction:g}"


@dataclass
class Splits:
    """The stored split decision: patient -> split, study -> split, fraction -> training study ids."""

    patients: dict[str, str] = field(default_factory=dict)
    studies: dict[str, str] = field(default_factory=dict)
    fractions: dict[str, list[str]] = field(default_factory=dict)
    ratios: tuple[float, float, float] = (0.7, 0.1, 0.2)

    def to_json(self) -> str:
        data = {
            "version": SPLITS_VERSION,
            "ratios": list(self.ratios),
            "patients": dict(sorted(self.patients.items())),
            "studies": dict(sorted(self.studies.items())),
            "label_fractions": self.fractions,
        }
        return json.dumps(data, indent=1, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> Splits:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                patients=dict(data["patients"]),
                studies=dict(data["studies"]),
                fractions={k: list(v) for k, v in data["label_fractions"].items()},
                ratios=tuple(data["ratios"]),  # type: ignore[arg-type]
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(path, f"not a valid splits.json: {exc}") from exc

    def subset(self, fraction: float | str | None) -> set[str] | None:
        """Training study ids in a label-fraction subset (None = all of train)."""
        if fraction is None:
            return None
        name = fraction if isinstance(fraction, str) else format_fraction(fraction)
        if name not in self.fractions:
            raise ConfigError(f"label fraction {name!r} not in splits.json (have {sorted(self.fractions)})")
        return set(self.fractions[name])
