"""Typed errors of the model layer: bad weight files and checkpoints that do not fit a model."""

from __future__ import annotations

from medvlp.errors import InputError


class WeightsError(InputError):
    """A weights file or directory cannot be read (missing, corrupt, wrong format, bad checksum)."""


class UnsafeCheckpointError(WeightsError):
    """A pickle checkpoint that needs arbitrary code execution to load; it is refused, never run."""


class WeightsMismatchError(WeightsError):
    """A checkpoint covers too few of a model's parameters (or carries unexpected ones)."""
