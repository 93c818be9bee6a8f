"""Batch reading that never lets one bad file stop the batch: per-file result or typed error."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from medvlp.errors import InputError
from medvlp.io.dicom_file import PathLike

T = TypeVar("T")


@dataclass(frozen=True)
class FileResult(Generic[T]):
    """``value`` on success; otherwise ``error`` (the typed ``InputError``), ``code`` and ``reason``."""

    path: str
    value: T | None = None
    error: InputError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def code(self) -> str:
        return "ok" if self.error is None else self.error.code

    @property
    def reason(self) -> str:
        return "" if self.error is None else self.error.reason


def read_each(paths: Iterable[PathLike], reader: Callable[[PathLike], T]) -> Iterator[FileResult[T]]:
    """Apply ``reader`` to each path; ``InputError`` becomes a failed ``FileResult``.

    Other exceptions are bugs, not bad input, and propagate.
    """
    for path in paths:
        try:
            yield FileResult(str(path), value=reader(path))
        except InputError as exc:
            yield FileResult(str(path), error=exc)


def read_all(paths: Iterable[PathLike], reader: Callable[[PathLike], T]) -> list[FileResult[T]]:
    """List form of :func:`read_each`."""
    return list(read_each(paths, reader))
