"""Typed errors for dataset adapters: each names the offending file and the reason."""

from __future__ import annotations

from medvlp.errors import InputError


class AdapterInputError(InputError):
    """Base class of every bad-input error raised while building a source manifest."""


class DatasetLayoutError(AdapterInputError):
    """The dataset root, or a file its published layout requires, is missing."""


class MissingColumnsError(AdapterInputError):
    """A CSV/TSV does not carry the columns its published format defines."""


class AnnotationFormatError(AdapterInputError):
    """An annotation (RLE string, box string, XML, COCO JSON) cannot be parsed."""


class SplitFileError(AdapterInputError):
    """A fixed split file (BenchX ``.txt`` list, R2Gen ``annotation.json``) is unusable."""
