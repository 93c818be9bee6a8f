"""Labeler rules: YAML data files (``medvlp/knowledge/rules``) compiled once into regexes.

``cues.yaml`` holds negation/uncertainty/termination cues and laterality words shared by every label
set; ``<label_set>.yaml`` holds the mention phrases and patterns per label, extended by the
knowledge base synonyms (``kb_synonyms: true``). A user YAML (``--rules``) adds to both.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from medvlp.errors import ConfigError
from medvlp.knowledge.findings import get_label_set
from medvlp.knowledge.kb import KnowledgeBase
from medvlp.knowledge.phrases import compile_alternation, normalise

LABEL_KEYS = frozenset({"kb_synonyms", "mentions", "patterns", "negative", "uncertain", "exclude", "requires"})
CUE_ROLES = ("negation_pre", "negation_post", "uncertainty_pre", "uncertainty_post", "pseudo", "terminators")
SIDES = ("left", "right", "bilateral")


@dataclass(frozen=True)
class LabelRules:
    """Compiled rules of one observation (any regex may be ``None`` when the list is empty)."""

    name: str
    patterns: re.Pattern[str] | None  # regex mentions; phrase mentions live in RuleSet.phrases
    negative: re.Pattern[str] | None
    uncertain: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    requires: tuple[str, ...] = ()  # patterns/negative/uncertain only run if the text contains one of these


@dataclass(frozen=True)
class CueRules:
    """One regex for every cue phrase; ``roles`` maps a normalised matched phrase to its roles."""

    regex: re.Pattern[str]
    roles: dict[str, frozenset[str]]
    pre_scope_words: int
    post_scope_words: int
    laterality: re.Pattern[str]
    sides: dict[str, str]


@dataclass(frozen=True)
class RuleSet:
    """Everything the labeler needs. All labels' phrases share one regex (one pass per report);
    ``phrase_labels`` maps a normalised phrase to the labels it mentions."""

    label_set: str
    labels: tuple[LabelRules, ...]
    cues: CueRules
    phrases: re.Pattern[str]
    phrase_labels: dict[str, tuple[str, ...]]
    study_abnormal: re.Pattern[str] | None = None  # "an abnormal study", "no acute abnormality"
    study_normal: re.Pattern[str] | None = None  # "a normal study": the opposite statement


def _read_yaml(path: Path | str, text: str | None = None) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read rules: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: rules file must be a mapping")
    return data


def builtin_rules(name: str) -> dict[str, Any]:
    """A rules file shipped in ``medvlp/knowledge/rules`` (e.g. ``"cues.yaml"``), parsed; errors name the file."""
    text = resources.files("medvlp.knowledge").joinpath("rules").joinpath(name).read_text(encoding="utf-8")
    return _read_yaml(f"<builtin>/rules/{name}", text)


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return list(value)


def _merge_labels(into: dict[str, dict[str, Any]], labels: Any, names: tuple[str, ...], source: str,
                  user: bool = False) -> None:
    if not isinstance(labels, dict):
        raise ConfigError(f"{source}: 'labels' must be a mapping of label name -> rules")
    for name, rules in labels.items():
        if name not in names:
            close = difflib.get_close_matches(str(name), names, n=2)
            raise ConfigError(f"{source}: unknown label {name!r}" + (f"; did you mean {close}?" if close else ""))
        rules = rules or {}
        unknown = set(rules) - LABEL_KEYS
        if unknown:
            raise ConfigError(f"{source}: label {name!r} has unknown keys {sorted(unknown)}")
        slot = into.setdefault(name, {})
        if user and {"patterns", "negative", "uncertain"} & set(rules) and "requires" not in rules:
            slot.pop("requires", None)  # the built-in speed gate must not hide the user's new patterns
        for key, value in rules.items():
            if key == "kb_synonyms":
                slot[key] = bool(value)
            else:
                slot.setdefault(key, []).extend(_str_list(value, f"{source}: {name}.{key}"))


def _compile_cues(cues: dict[str, Any], source: str) -> CueRules:
    roles: dict[str, set[str]] = {}
    for role in CUE_ROLES:
        for phrase in _str_list(cues.get(role), f"{source}: {role}"):
            roles.setdefault(normalise(phrase), set()).add(role)
    sides: dict[str, str] = {}
    for side, words in (cues.get("laterality") or {}).items():
        if side not in SIDES:
            raise ConfigError(f"{source}: laterality side must be one of {SIDES}, got {side!r}")
        sides.update({normalise(w): side for w in _str_list(words, f"{source}: laterality.{side}")})
    regex = compile_alternation(roles, source=source)
    laterality = compile_alternation(sides, source=source)
    if regex is None or laterality is None:
        raise ConfigError(f"{source}: cue and laterality lists must not be empty")
    return CueRules(regex, {k: frozenset(v) for k, v in roles.items()}, int(cues.get("pre_scope_words", 8)),
                    int(cues.get("post_scope_words", 5)), laterality, sides)


def _label_phrases(name: str, rules: dict[str, Any], kb: KnowledgeBase) -> list[str]:
    phrases = list(rules.get("mentions", []))
    if rules.get("kb_synonyms"):
        phrases.extend(kb.entry(name).synonyms)
    return [normalise(p) for p in phrases if p.strip()]


def _compile_label(name: str, rules: dict[str, Any], source: str) -> LabelRules:
    where = f"{source}: {name}"
    return LabelRules(
        name=name,
        patterns=compile_alternation((), rules.get("patterns", []), source=where),
        negative=compile_alternation((), rules.get("negative", []), source=where),
        uncertain=compile_alternation((), rules.get("uncertain", []), source=where),
        exclude=compile_alternation((), rules.get("exclude", []), source=where),
        requires=tuple(w.lower() for w in rules.get("requires", [])),
    )


@lru_cache(maxsize=16)
def load_rules(label_set: str = "chexpert", extra: tuple[str, ...] = ()) -> RuleSet:
    """Compile the built-in rules of ``label_set`` plus user rule files ``extra`` (cached)."""
    names = get_label_set(label_set).labels
    kb = KnowledgeBase.load()
    cues = builtin_rules("cues.yaml")
    base = builtin_rules(f"{label_set}.yaml")
    labels: dict[str, dict[str, Any]] = {}
    _merge_labels(labels, base.get("labels", {}), names, f"rules/{label_set}.yaml")
    for path in extra:
        user = _read_yaml(path)
        unknown = set(user) - {"label_set", "labels", "cues"}
        if unknown:
            raise ConfigError(f"{path}: unknown top-level keys {sorted(unknown)} (use label_set, labels, cues)")
        if user.get("label_set", label_set) == label_set:
            _merge_labels(labels, user.get("labels") or {}, names, str(path), user=True)
        for key, value in (user.get("cues") or {}).items():
            if isinstance(cues.get(key), list):
                cues[key] = cues[key] + _str_list(value, f"{path}: cues.{key}")
            elif key == "laterality" and isinstance(value, dict):
                for side, words in value.items():
                    cues["laterality"].setdefault(side, []).extend(_str_list(words, f"{path}: laterality"))
            else:
                cues[key] = value
    compiled = tuple(_compile_label(n, labels[n], label_set) for n in names if n in labels)
    phrase_labels: dict[str, list[str]] = {}
    for name in names:
        for phrase in _label_phrases(name, labels.get(name, {}), kb):
            if name not in phrase_labels.setdefault(phrase, []):
                phrase_labels[phrase].append(name)
    phrases = compile_alternation(phrase_labels, plural=True, source=label_set) or re.compile(r"(?!)")
    study = {key: compile_alternation((), _str_list(cues.get(key), f"cues: {key}"), source=f"cues: {key}")
             for key in ("study_abnormal", "study_normal")}  # built-in plus any user rules file's additions
    return RuleSet(label_set, compiled, _compile_cues(cues, "rules/cues.yaml"), phrases,
                   {k: tuple(v) for k, v in phrase_labels.items()}, study["study_abnormal"], study["study_normal"])


def rule_files(paths: Iterable[str | Path] | None) -> tuple[str, ...]:
    """Normalise user rule paths into the hashable form :func:`load_rules` caches on."""
    return tuple(str(Path(p).resolve()) for p in (paths or ()))
