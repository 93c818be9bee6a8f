"""Planted protected health information: fake identities and the ledger of every planted value.

All values are fictitious and drawn from the seeded generators, so the ledger lets de-identification
be verified: each (where, value) pair must be gone after de-id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

FIRST_NAMES = {"M": ("James", "Robert", "John", "Michael", "David", "William", "Richard", "Joseph", "Thomas",
                     "Charles", "Wei", "Carlos", "Hiroshi", "Kwame"),
               "F": ("Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
                     "Karen", "Aisha", "Fatima", "Olga", "Priya")}
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
              "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
              "Jackson", "Martin", "Okafor", "Nakamura", "Kowalski", "Haddad", "Lindqvist", "Petrov", "Chen")
INSTITUTIONS = ("St. Mary's General Hospital", "Riverside Medical Center", "Northgate University Hospital",
                "Lakeview Community Hospital", "Mercy Regional Medical Center", "Westbrook Clinic")
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%B %d, %Y", "%d-%b-%Y", "%m/%d/%y")
EPOCH = dt.date(2008, 1, 1)


@dataclass
class Identity:
    """One fictitious patient and the fixed people/places around them."""

    first: str
    last: str
    sex: str
    birth_date: dt.date
    mrn: str
    institution: str
    referrer: str
    radiologist: str
    phone: str
    visit_dates: list[dt.date] = field(default_factory=list)


def _person(rng: np.random.Generator) -> str:
    return f"Dr. {rng.choice(FIRST_NAMES['F' if rng.random() < 0.5 else 'M'])[0]}. {rng.choice(LAST_NAMES)}" \
        if rng.random() < 0.4 else \
        f"Dr. {rng.choice(LAST_NAMES)}"


def sample_identity(rng: np.random.Generator, max_visits: int = 16) -> Identity:
    """A patient with study dates that increase from visit to visit."""
    first_visit = EPOCH + dt.timedelta(days=int(rng.integers(0, 12 * 365)))
    gaps = rng.integers(1, 400, size=max_visits).cumsum() - 1
    age_at_first = int(rng.integers(20, 97))
    birth = first_visit - dt.timedelta(days=age_at_first * 365 + int(rng.integers(0, 365)))
    sex = str(rng.choice(("M", "F")))
    return Identity(
        first=str(rng.choice(FIRST_NAMES[sex])), last=str(rng.choice(LAST_NAMES)), sex=sex,
        birth_date=birth, mrn=str(int(rng.integers(10**6, 10**8))), institution=str(rng.choice(INSTITUTIONS)),
        referrer=_person(rng), radiologist=_person(rng),
        phone=f"({int(rng.integers(201, 990))}) {int(rng.integers(200, 999))}-{int(rng.integers(0, 10000)):04d}",
        visit_dates=[first_visit + dt.timedelta(days=int(g)) for g in gaps],
    )


def age_at(identity: Identity, day: dt.date) -> int:
    years = day.year - identity.birth_date.year
    return years - ((day.month, day.day) < (identity.birth_date.month, identity.birth_date.day))


@dataclass
class Ledger:
    """(where, value) pairs of one study, in first-planted order, without duplicates."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, value: str) -> str:
        if value and (where, value) not in self.entries:
            self.entries.append((where, value))
        return value


def format_date(day: dt.date, rng: np.random.Generator) -> str:
    return day.strftime(str(rng.choice(DATE_FORMATS)))


def format_name(identity: Identity, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"{identity.first} {identity.last}"
    return f"{identity.last.upper()}, {identity.first.upper()}"
