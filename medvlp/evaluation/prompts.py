"""Prompt ensembles for zero-shot classification: positive vs negative prompts per finding.

A finding has one or more *variants* (for sided findings: left, right, bilateral ...), each with
positive and negative prompts. The knowledge layer's ``prompt_set(name, modality)`` provides curated
sets; :func:`coerce_prompts` accepts its output or plain dicts, and :func:`default_prompts` is the
template fallback used when no curated set exists for a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from medvlp.errors import ConfigError, MedVLPError
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class PromptVariant:
    """Prompts of one variant (e.g. "left") of a finding."""

    positive: tuple[str, ...]
    negative: tuple[str, ...]


@dataclass(frozen=True)
class FindingPrompts:
    """All variants of one finding; the zero-shot score is the max over variants."""

    finding: str
    variants: dict[str, PromptVariant] = field(default_factory=dict)


def default_prompts(finding: str, sided: bool = False, modality: str = "chest x-ray") -> FindingPrompts:
    """Template prompts: "<finding>" vs "no <finding>", with left/right variants for sided findings."""
    name = finding.lower()
    negative = (f"no {name}", f"no evidence of {name}", f"{modality} without {name}")
    variants = {"any": PromptVariant((name, f"findings consistent with {name}", f"{modality} showing {name}"),
                                     negative)}
    if sided:
        for side in ("left", "right", "bilateral"):
            variants[side] = PromptVariant((f"{side} {name}", f"{modality} showing {side} {name}"), negative)
    return FindingPrompts(finding, variants)


def _variant(value: Any, where: str) -> PromptVariant:
    if isinstance(value, PromptVariant):
        return value
    pos = getattr(value, "positive", None) if not isinstance(value, Mapping) else value.get("positive")
    neg = getattr(value, "negative", None) if not isinstance(value, Mapping) else value.get("negative")
    if not pos or not neg:
        raise ConfigError(f"prompts for {where}: need non-empty 'positive' and 'negative' lists")
    return PromptVariant(tuple(pos), tuple(neg))


def coerce_prompts(finding: str, value: Any) -> FindingPrompts:
    """Accept ``FindingPrompts``, ``{"positive", "negative"}``, or ``{variant: {...}}`` (duck-typed)."""
    if isinstance(value, FindingPrompts):
        return value
    variants = getattr(value, "variants", None)
    if variants is None and isinstance(value, Mapping) and "positive" not in value:
        variants = value
    if variants is None:
        return FindingPrompts(finding, {"any": _variant(value, finding)})
    return FindingPrompts(finding, {str(k): _variant(v, f"{finding}/{k}") for k, v in variants.items()})


def resolve_prompts(
    findings: Sequence[str],
    prompts: Mapping[str, Any] | None = None,
    sided: frozenset[str] = frozenset(),
    modality: str = "chest x-ray",
) -> list[FindingPrompts]:
    """One :class:`FindingPrompts` per finding: given ones first, templates for the rest."""
    prompts = prompts or {}
    out = []
    for finding in findings:
        if finding in prompts:
            out.append(coerce_prompts(finding, prompts[finding]))
        else:
            out.append(default_prompts(finding, finding in sided, modality))
    return out


def from_prompt_set(finding: str, prompt_set: Any) -> FindingPrompts:
    """``medvlp.knowledge.prompts.PromptSet`` (positive, negative, left, right) -> variants."""
    negative = tuple(prompt_set.negative)
    variants = {"any": PromptVariant(tuple(prompt_set.positive), negative)}
    for side in ("left", "right"):
        side_prompts = tuple(getattr(prompt_set, side, ()) or ())
        if side_prompts:
            variants[side] = PromptVariant(side_prompts, negative)
    return FindingPrompts(finding, variants)


def knowledge_prompts(findings: Sequence[str], modality: str) -> dict[str, FindingPrompts]:
    """Curated prompts from ``medvlp.knowledge.prompts.prompt_set`` for every finding it knows.

    ``modality``: ``"2d"``/``"radiograph"`` or ``"3d"``/``"ct"``. Findings without a curated set
    are left out (templates take over for them).
    """
    try:
        from medvlp.knowledge.prompts import prompt_set
    except ImportError:
        return {}
    kind = {"2d": "radiograph", "3d": "ct"}.get(modality, modality)
    out = {}
    for finding in findings:
        try:
            out[finding] = from_prompt_set(finding, prompt_set(finding, kind))
        except (MedVLPError, KeyError, ValueError) as exc:  # no curated set is not fatal
            log.debug("no curated prompts for %s/%s (%s); using templates", finding, kind, exc)
    return out
