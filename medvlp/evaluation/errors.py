"""Typed errors of the evaluation layer: bad datasets, checkpoints that do not fit, undefined metrics."""

from __future__ import annotations

from medvlp.errors import InputError


class EvaluationInputError(InputError):
    """Base class of bad-input errors raised while evaluating."""


class DatasetMissingError(EvaluationInputError):
    """A dataset root, shard folder or split file does not exist."""


class CheckpointMismatchError(EvaluationInputError):
    """A weights file does not fit the architecture it is loaded into (strict loading)."""


class SingleClassError(EvaluationInputError):
    """Every finding of a split has a single class, so no AUROC is defined."""


class UnsupportedTaskError(EvaluationInputError):
    """The model or dataset lacks what a task needs (e.g. no text encoder for zero-shot)."""
