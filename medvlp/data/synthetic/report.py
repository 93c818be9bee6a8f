"""Assemble a free-text report: PHI header, sections in varied styles, finding sentences, footer.

The report mentions exactly the study's findings with their polarity; absent labels are either
negated or not mentioned, and :func:`write_report` returns which, for ground_truth.csv.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np

from medvlp.data.synthetic.cases import MENTION_NEGATED, MENTION_POSITIVE, MENTION_UNCERTAIN, Study
from medvlp.data.synthetic.phi import Identity, Ledger, age_at, format_date, format_name
from medvlp.data.synthetic.phrases import choose, load_grammar, negative_sentence, positive_sentence


@dataclass
class ReportContext:
    """Everything outside the findings that a report may quote."""

    identity: Identity
    study_date: dt.date
    prior_date: dt.date | None
    accession: str
    technique_key: str  # key into the grammar's technique table (e.g. "PA+LL", "CT")


class _Filler:
    """Fills PHI placeholders, recording every value it plants in the ledger."""

    def __init__(self, ctx: ReportContext, ledger: Ledger, rng: np.random.Generator) -> None:
        self.ctx, self.ledger, self.rng = ctx, ledger, rng

    def __call__(self, template: str, **extra: str) -> str:
        ident, rng, rec = self.ctx.identity, self.rng, self.ledger.add
        values: dict[str, Any] = dict(extra)
        if "{name}" in template:
            values["name"] = rec("report", format_name(ident, rng))
        if "{mrn}" in template:
            values["mrn"] = rec("report", ident.mrn)
        if "{accession}" in template:
            values["accession"] = rec("report", self.ctx.accession)
        if "{date}" in template:
            values["date"] = rec("report", format_date(self.ctx.study_date, rng))
        if "{dob}" in template:
            values["dob"] = rec("report", format_date(ident.birth_date, rng))
        if "{prior_date}" in template and self.ctx.prior_date is not None:
            values["prior_date"] = rec("report", format_date(self.ctx.prior_date, rng))
        for key in ("referrer", "radiologist", "phone", "institution"):
            if "{" + key + "}" in template:
                values[key] = rec("report", getattr(ident, key))
        if "{age}" in template:
            age = age_at(ident, self.ctx.study_date)
            values["age"] = str(age)
            if age > 89:  # ages over 89 are identifying (HIPAA safe harbour)
                rec("report", str(age))
        return template.format(**values)


def finding_sentences(study: Study, grammar: dict[str, Any], ctx: ReportContext, fill: _Filler,
                      rng: np.random.Generator) -> tuple[list[str], list[str], dict[str, str]]:
    """(positive sentences, negation + filler sentences, label -> mention kind)."""
    specs, mentions = grammar["findings"], {}
    positives = []
    for f in study.findings:
        suffix = choose(rng, grammar["follow_suffix"]) if ctx.prior_date and not f.uncertain else ""
        positives.append(positive_sentence(specs[f.label], grammar, f, rng, fill(suffix) if suffix else ""))
        mentions[f.label] = MENTION_UNCERTAIN if f.uncertain else MENTION_POSITIVE
    negatives, queue = [], list(study.negated)
    while queue:
        first = queue.pop(0)
        pair = [first]
        if queue and rng.random() < 0.3 and specs[first].get("negative_terms") and specs[queue[0]].get("negative_terms"):
            pair.append(queue.pop(0))
        negatives.append(negative_sentence([specs[n] for n in pair], grammar, rng))
        mentions.update({n: MENTION_NEGATED for n in pair})
    present = study.positive_labels()
    fillers = [text for text, needs_absent in grammar["fillers"] if not present & set(needs_absent)]
    k = int(rng.integers(0, min(3, len(fillers)) + 1))
    extra = [fillers[i] for i in sorted(rng.choice(len(fillers), size=k, replace=False))]
    return positives, negatives + extra, mentions


def _header(name: str, style: str, names: dict[str, list[str]], rng: np.random.Generator) -> str:
    shown = choose(rng, names[name])
    return style.replace("{NAME}", shown.upper()).replace("{Name}", shown)


def write_report(study: Study, ctx: ReportContext, ledger: Ledger, rng: np.random.Generator,
                 is_normal: bool) -> tuple[str, dict[str, str]]:
    """The report text and the mention kind of every label it mentions."""
    grammar = load_grammar("cxr" if study.label_set == "chexpert" else "ct")
    fill = _Filler(ctx, ledger, rng)
    positives, others, mentions = finding_sentences(study, grammar, ctx, fill, rng)
    normal = [choose(rng, grammar["normal"])] if is_normal else []
    if is_normal and study.label_set == "chexpert":
        mentions["No Finding"] = MENTION_POSITIVE
    skip = {k: rng.random() < p for k, p in grammar["section_skip_p"].items()}
    skip["findings"] = skip["findings"] and not skip["impression"]
    impression = positives[:2]  # the impression restates the leading findings
    sex = "man" if ctx.identity.sex == "M" else "woman"
    complaint = choose(rng, grammar["complaints"])
    makers = {  # built only for sections that are kept, so skipped PHI never reaches the ledger
        "indication": lambda: fill(choose(rng, grammar["indication"]), sex=sex, complaint=complaint,
                                   Complaint=complaint.capitalize()),
        "technique": lambda: choose(rng, grammar["technique"][ctx.technique_key]),
        "comparison": lambda: fill(choose(rng, grammar["comparison_follow" if ctx.prior_date else "comparison_first"])),
        "findings": lambda: " ".join(positives + others + (normal if skip["impression"] else [])),
        "impression": lambda: " ".join(positives + normal + others) if skip["findings"] else " ".join(impression + normal),
    }
    sections = {name: make() for name, make in makers.items() if not skip[name]}
    style = choose(rng, grammar["section_styles"])
    lines = [choose(rng, grammar["preamble"])] if rng.random() < 0.4 else []
    lines += [fill(t) for t in _pick(grammar["header_lines"], rng, 0, 3)]
    for name, text in sections.items():
        if not text:
            continue
        header = _header(name, style, grammar["section_names"], rng)
        lines.append(f"{header}\n{text}" if not header.endswith((":", "-")) else f"{header} {text}")
    lines += [fill(t) for t in _pick(grammar["footer_lines"], rng, 0, 2)]
    return "\n".join(lines) + "\n", mentions


def _pick(options: list[str], rng: np.random.Generator, lo: int, hi: int) -> list[str]:
    k = int(rng.integers(lo, hi + 1))
    return [options[i] for i in sorted(rng.choice(len(options), size=k, replace=False))]
