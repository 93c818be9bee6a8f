"""Finding sentences from the YAML grammar: positive, hedged (uncertain) and negated mentions."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import numpy as np
import yaml

from medvlp.data.synthetic.cases import Finding

ORDINALS = ("1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th")


@functools.cache
def load_grammar(name: str) -> dict[str, Any]:
    """``common`` merged under ``name`` (``cxr`` or ``ct``); the finding tables stay per modality."""
    root = resources.files("medvlp.data.synthetic") / "grammar"
    common = yaml.safe_load((root / "common.yaml").read_text(encoding="utf-8"))
    specific = yaml.safe_load((root / f"{name}.yaml").read_text(encoding="utf-8"))
    return {**common, **specific}


def choose(rng: np.random.Generator, options: list[Any]) -> Any:
    return options[int(rng.integers(len(options)))]


def tidy(text: str) -> str:
    """Collapse blanks left by empty slots and capitalise the first letter."""
    text = " ".join(text.split()).replace(" ,", ",")
    return text[:1].upper() + text[1:]


def _terms(spec: dict[str, Any], kind: str) -> tuple[list[str], list[str]]:
    """(countable terms, mass terms) of a finding; ``terms`` may be keyed by sub-kind."""
    terms = spec.get("terms", [])
    if isinstance(terms, dict):
        terms = terms[kind]
    return list(terms), list(spec.get("mass", []))


def size_text(size_mm: float, rng: np.random.Generator) -> str:
    if size_mm >= 10 and rng.random() < 0.6:
        return f"{size_mm / 10:.1f} cm"
    return f"{round(size_mm)} mm"


def noun_phrase(spec: dict[str, Any], grammar: dict[str, Any], f: Finding, rng: np.random.Generator) -> tuple[str, bool]:
    """(noun phrase, takes an article) describing a present finding, e.g. "small left pleural effusion"."""
    countable, mass = _terms(spec, f.kind.split("+")[0] if f.kind else "")
    if f.label == "Lung Nodule" and f.contrast_hu < 400 and spec.get("terms_subtle"):
        countable, mass = list(spec["terms_subtle"]), []
    term = choose(rng, countable + mass)
    stated = f.side and f.side_stated
    templates = spec.get("np_sided", []) if stated else spec.get("np", ["{term}"])
    if f.side == "bilateral" and not stated and spec.get("np_bilateral_only"):
        templates = spec["np_bilateral_only"]
    elif not stated:
        templates = [t for t in templates if t not in spec.get("np_bilateral_only", [])] or ["{term}"]
    severity_words = spec.get("severity_words", grammar["severity_words"])
    zone = f.lobe if f.label != "Lung Lesion" or f.lobe else "upper"
    ordinal = ORDINALS[int(f.kind) - 1] if f.label == "Fracture" and f.kind.isdigit() else "posterior"
    phrase = choose(rng, templates).format(
        term=term, side=f.side, severity=severity_words.get(f.severity, ""), zone=zone,
        size=size_text(f.size_mm, rng), ordinal=ordinal)
    return " ".join(phrase.split()), term in countable


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def positive_sentence(spec: dict[str, Any], grammar: dict[str, Any], f: Finding, rng: np.random.Generator,
                      suffix: str = "") -> str:
    """A sentence stating a present finding (with a hedge when ``f.uncertain``)."""
    np_text, countable = noun_phrase(spec, grammar, f, rng)
    a_np = _article(np_text) if countable else np_text
    pool = grammar["uncertain"] if f.uncertain else spec.get("positive", grammar["positive"])
    body = choose(rng, pool).format(Np=np_text, np=np_text, a_np=a_np)  # may be fixed: "The heart is enlarged."
    if suffix and not f.uncertain:
        body = body[:-1] + suffix + "."
    return tidy(body)


def negative_sentence(specs: list[dict[str, Any]], grammar: dict[str, Any], rng: np.random.Generator) -> str:
    """Negation of one absent finding, or of two in one sentence ("No X or Y.")."""
    def neg_term(spec: dict[str, Any]) -> str | None:
        terms = spec.get("negative_terms")
        return choose(rng, terms) if terms else None

    if len(specs) == 2:
        t1, t2 = neg_term(specs[0]), neg_term(specs[1])
        if t1 and t2:
            return tidy(choose(rng, grammar["negative_pair"]).format(term1=t1, term2=t2))
    spec = specs[0]
    if "negative" in spec and (not spec.get("negative_terms") or rng.random() < 0.5):
        return str(choose(rng, spec["negative"]).format(term=choose(rng, spec.get("negative_terms", [""]))))
    return tidy(choose(rng, grammar["negative"]).format(term=neg_term(spec)))
