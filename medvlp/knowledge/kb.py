"""The curated knowledge base (``medvlp/knowledge/knowledge_base.yaml``): one entry per observation.

Used by the labeler (synonyms are its core mention phrases), by the knowledge-enhanced text
encoder (:meth:`KnowledgeBase.entity_text`) and by zero-shot prompts (``prompt_terms``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from medvlp.errors import ConfigError, UnknownNameError

MODALITIES = ("radiograph", "ct")
_ENTRY_KEYS = frozenset({"synonyms", "definition", "appearance", "anatomy", "related", "differential",
                         "prompt_terms", "prompt_pairs"})


@dataclass(frozen=True)
class KnowledgeEntry:
    """What the platform knows about one observation."""

    name: str
    synonyms: tuple[str, ...]
    definition: str
    appearance: dict[str, str]  # modality -> visual description
    anatomy: tuple[str, ...]
    related: tuple[str, ...]
    differential: tuple[str, ...]
    prompt_terms: tuple[str, ...]
    # explicit (positive, negative) templates with {image}, for findings the generic templates would
    # turn into double negatives ("no sign of no abnormality"), e.g. No Finding
    prompt_pairs: tuple[tuple[str, str], ...] = ()


def _entry(name: str, raw: dict[str, Any], source: str) -> KnowledgeEntry:
    unknown = set(raw) - _ENTRY_KEYS
    missing = {"synonyms", "definition", "appearance", "prompt_terms"} - set(raw)
    if unknown or missing:
        raise ConfigError(f"{source}: entry {name!r}: unknown keys {sorted(unknown)}, missing {sorted(missing)}")
    appearance = dict(raw["appearance"])
    if set(appearance) - set(MODALITIES):
        raise ConfigError(f"{source}: entry {name!r}: appearance modalities must be in {MODALITIES}")
    return KnowledgeEntry(
        name=name, synonyms=tuple(raw["synonyms"]), definition=str(raw["definition"]).strip(),
        appearance={k: str(v).strip() for k, v in appearance.items()}, anatomy=tuple(raw.get("anatomy", ())),
        related=tuple(raw.get("related", ())), differential=tuple(raw.get("differential", ())),
        prompt_terms=tuple(raw["prompt_terms"]),
        prompt_pairs=tuple((str(p), str(n)) for p, n in raw.get("prompt_pairs", ())),
    )


class KnowledgeBase:
    """Entries by observation name; ``KnowledgeBase.load()`` reads the built-in file (cached)."""

    def __init__(self, entries: dict[str, KnowledgeEntry]) -> None:
        self._entries = entries

    @classmethod
    def load(cls, path: str | Path | None = None) -> KnowledgeBase:
        """The built-in knowledge base, or the YAML file at ``path`` (same schema)."""
        return _load_cached(str(path) if path is not None else None)

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> KnowledgeBase:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{source}: invalid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: knowledge base must be a mapping of name -> entry")
        return cls({name: _entry(name, body or {}, source) for name, body in raw.items()})

    def names(self) -> list[str]:
        return list(self._entries)

    def entry(self, name: str) -> KnowledgeEntry:
        try:
            return self._entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self._entries), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(f"no knowledge-base entry {name!r}{hint}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def entity_text(self, name: str, modality: str | None = None) -> str:
        """Definition plus visual description(s): the text the knowledge encoder embeds per finding.

        With ``modality`` (``radiograph`` or ``ct``) only that modality's appearance is included.
        """
        entry = self.entry(name)
        if modality is not None and modality not in MODALITIES:
            raise ConfigError(f"modality must be one of {MODALITIES}, got {modality!r}")
        looks = [entry.appearance[m] for m in MODALITIES if m in entry.appearance and modality in (None, m)]
        parts = [f"{entry.name}: {entry.definition}", *looks]
        if entry.anatomy:
            parts.append(f"Typical location: {', '.join(entry.anatomy)}.")
        return " ".join(parts)


@lru_cache(maxsize=4)
def _load_cached(path: str | None) -> KnowledgeBase:
    if path is None:
        text = resources.files("medvlp.knowledge").joinpath("knowledge_base.yaml")
        return KnowledgeBase.from_yaml(text.read_text(encoding="utf-8"), "<builtin>/knowledge_base.yaml")
    try:
        return KnowledgeBase.from_yaml(Path(path).read_text(encoding="utf-8"), path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read knowledge base: {exc}") from None
