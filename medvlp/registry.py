"""A small generic registry: register a factory under a name, create it from a string.

Modelled on timm's ``register_model``: every swappable family (encoders, poolers, text encoders,
losses, datasets, benchmark tasks) owns one :class:`Registry`, and a new member is one decorated
function or class. Configs only ever name members; nothing resolves arbitrary import paths.

>>> POOLERS = Registry("pooler")
>>> @POOLERS.register("mean")
... def mean_pool(dim: int) -> str:
...     return f"mean{dim}"
>>> POOLERS.create("mean", dim=3)
'mean3'
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from medvlp.errors import ConfigError, UnknownNameError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class Registry(Generic[T]):
    """Name -> factory mapping for one family of components."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str | None = None, *, aliases: tuple[str, ...] = ()) -> Callable[[F], F]:
        """Decorator registering a factory (function or class) under ``name`` (default: its __name__)."""

        def deco(factory: F) -> F:
            key = name or factory.__name__
            for k in (key, *aliases):
                if k in self._factories or k in self._aliases:
                    raise ConfigError(f"{self.kind} {k!r} is registered twice")
            self._factories[key] = factory
            for alias in aliases:
                self._aliases[alias] = key
            return factory

        return deco

    def _resolve(self, name: str) -> str:
        if name in self._factories:
            return name
        if name in self._aliases:
            return self._aliases[name]
        known = sorted([*self._factories, *self._aliases])
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNameError(f"unknown {self.kind} {name!r}{hint} (known: {', '.join(known) or 'none'})")

    def get(self, name: str) -> Callable[..., T]:
        """The factory registered under ``name`` (or an alias)."""
        return self._factories[self._resolve(name)]

    def create(self, name: str, /, **kwargs: Any) -> T:
        """Build the member ``name`` with keyword arguments."""
        return self.get(name)(**kwargs)

    def list(self, pattern: str | None = None) -> list[str]:
        """Sorted registered names, optionally filtered by a shell-style wildcard."""
        names = sorted(self._factories)
        return [n for n in names if pattern is None or fnmatch.fnmatch(n, pattern)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._factories or name in self._aliases)

    def __iter__(self) -> Iterator[str]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._factories)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self)} members)"
