"""Logging through the standard library, and progress bars that go quiet when not on a TTY."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    """Module logger (``get_logger(__name__)``); libraries never configure handlers themselves."""
    return logging.getLogger(name)


def setup_logging(level: str | int = "INFO") -> None:
    """Configure the root logger once, for command-line entry points only."""
    logging.basicConfig(level=level, format=_FORMAT, datefmt="%H:%M:%S", stream=sys.stderr, force=True)


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "", unit: str = "it") -> Iterator[T]:
    """A progress bar with rate and ETA on a TTY; silent (no output at all) otherwise."""
    disable = not sys.stderr.isatty()
    yield from tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, dynamic_ncols=True)
