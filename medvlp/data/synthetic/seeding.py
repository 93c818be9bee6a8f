"""Deterministic randomness and identifiers: every study depends only on (seed, stream, index).

Nothing here reads the clock or global random state, so a dataset is byte-identical for the same
seed whatever the worker count or the order in which studies are produced.
"""

from __future__ import annotations

import numpy as np
from pydicom.uid import generate_uid

# Separate streams so that, e.g., adding CT studies never changes the radiographs.
STREAM_PLAN, STREAM_PATIENT, STREAM_CXR, STREAM_CT = 0, 1, 2, 3


def make_rng(seed: int, stream: int, index: int) -> np.random.Generator:
    """A generator for one (stream, index) item; independent of every other item."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream), int(index)]))


def make_uid(seed: int, *parts: object) -> str:
    """A DICOM UID derived from the seed and the item's identity (same inputs -> same UID)."""
    return str(generate_uid(entropy_srcs=[str(seed), *map(str, parts)]))
