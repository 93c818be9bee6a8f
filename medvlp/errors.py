"""One exception hierarchy for the whole platform.

Every error raised on bad *input* names the offending file (or config key) and the reason, so a
batch job can record it and go on. Layers subclass these (see ``medvlp.io.errors``).
"""

from __future__ import annotations

from os import PathLike


class MedVLPError(Exception):
    """Base class of every error medvlp raises on purpose."""


class ConfigError(MedVLPError, ValueError):
    """A configuration is invalid: unknown key, wrong type, bad value."""


class UnknownNameError(ConfigError, KeyError):
    """A name was looked up in a registry that does not hold it."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputError(MedVLPError):
    """A bad input file. ``path`` and ``reason`` are kept as attributes for batch records."""

    def __init__(self, path: str | PathLike[str] | None, reason: str) -> None:
        self.path = None if path is None else str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}" if self.path else reason)

    @property
    def code(self) -> str:
        """Short machine-readable name of the error kind, used in manifests (``not_dicom``...)."""
        name = type(self).__name__
        name = name.removesuffix("Error")
        return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
