"""Batch reading that never lets one bad file stop the batch: per-file result or typed error, in order.

Sequential (:func:`read_all`) or spread over worker processes (:func:`read_parallel`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
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


def _attempt(reader: Callable[[PathLike], T], path: PathLike) -> tuple[bool, object, str, str]:
    """Run in a worker: ``(True, value, "", "")`` or ``(False, error class, path, reason)``.

    ``InputError`` does not survive pickling (its ``args`` hold the formatted message, not ``path`` and
    ``reason``), so the worker sends the class and fields and the parent rebuilds it.
    """
    try:
        return True, reader(path), "", ""
    except InputError as exc:
        return False, type(exc), exc.path or str(path), exc.reason


def _rebuild(path: PathLike, outcome: tuple[bool, object, str, str]) -> FileResult[T]:
    ok, payload, error_path, reason = outcome
    if ok:
        return FileResult(str(path), value=payload)  # type: ignore[arg-type]
    cls = payload if isinstance(payload, type) and issubclass(payload, InputError) else InputError
    error = cls.__new__(cls)
    InputError.__init__(error, error_path, reason)  # subclasses share the base fields
    return FileResult(str(path), error=error)


def process_pool(workers: int) -> Executor:
    """A process pool for :func:`read_parallel` (``forkserver``: no fork of a process holding torch threads)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))


def read_parallel(paths: Sequence[PathLike], reader: Callable[[PathLike], T], workers: int = 1,
                  executor: Executor | None = None, chunksize: int = 1) -> list[FileResult[T]]:
    """:func:`read_all` spread over ``workers`` processes (or a given ``executor``), in file order.

    The compressed-pixel decoders (OpenJPEG through Pillow or pylibjpeg, GDCM, pylibjpeg-rle) mostly
    hold the GIL (decoders alone, 2 threads: 0.9-1.4x of 1 thread, ``benchmarks/perf/io.py --gil``), so
    the default pool is of processes; ``reader`` must then be picklable (a module-level function or a
    ``functools.partial`` of one). A pool made here is shut down before returning; pass ``executor``
    (e.g. :func:`process_pool`) to reuse warm workers across batches. ``workers <= 1`` without an
    executor reads in this process. Errors other than ``InputError`` propagate, as in :func:`read_each`.
    """
    paths = list(paths)
    if executor is None and workers <= 1:
        return read_all(paths, reader)
    pool = executor or process_pool(workers)
    try:
        outcomes = list(pool.map(_attempt, [reader] * len(paths), paths, chunksize=max(1, chunksize)))
    finally:
        if executor is None:
            pool.shutdown()
    return [_rebuild(path, outcome) for path, outcome in zip(paths, outcomes)]
