"""Shared helpers for drawing findings: abnormal-study selection, sides, uncertainty, negations."""

from __future__ import annotations

import numpy as np

from medvlp.data.synthetic.cases import Finding

NORMAL_FRACTION = 0.30  # fraction of studies with no finding at all
UNCERTAIN_FRACTION = 0.05  # fraction of positives reported with a hedge (label -1)
SIDE_STATED_FRACTION = 0.75  # sided findings whose side the report names
SIDES, SIDE_P = ("left", "right", "bilateral"), (0.4, 0.4, 0.2)
SEVERITIES = ("small", "moderate", "large")


def pick_present(rng: np.random.Generator, conditional_p: dict[str, float]) -> list[str]:
    """Labels present in one study: none with NORMAL_FRACTION, else >= 1 drawn independently.

    ``conditional_p`` are probabilities within abnormal studies, so prevalence = 0.7 * p.
    """
    if rng.random() < NORMAL_FRACTION:
        return []
    while True:
        present = [name for name, p in conditional_p.items() if rng.random() < p]
        if present:
            return present


def pick_side(rng: np.random.Generator, allow_bilateral: bool = True) -> str:
    if not allow_bilateral:
        return str(rng.choice(SIDES[:2]))
    return str(rng.choice(SIDES, p=SIDE_P))


def base_finding(rng: np.random.Generator, label: str, sided: bool, allow_bilateral: bool = True) -> Finding:
    """A finding with uncertainty, side and severity drawn; caller fills the label-specific parts."""
    return Finding(
        label=label,
        uncertain=bool(rng.random() < UNCERTAIN_FRACTION),
        side=pick_side(rng, allow_bilateral) if sided else "",
        side_stated=bool(rng.random() < SIDE_STATED_FRACTION) if sided else False,
        severity=str(rng.choice(SEVERITIES, p=(0.4, 0.4, 0.2))),
    )


def pick_negated(rng: np.random.Generator, absent: list[str], negation_p: dict[str, float]) -> list[str]:
    """Absent labels the report explicitly negates (the rest are simply not mentioned)."""
    return [name for name in absent if rng.random() < negation_p.get(name, 0.15)]


def difficulty_of(size_mm: float, contrast_hu: float, easy: tuple[float, float], hard: tuple[float, float]) -> str:
    """easy when both size and contrast reach ``easy``; hard when either is below ``hard``."""
    if size_mm >= easy[0] and contrast_hu >= easy[1]:
        return "easy"
    if size_mm < hard[0] or contrast_hu < hard[1]:
        return "hard"
    return "medium"
