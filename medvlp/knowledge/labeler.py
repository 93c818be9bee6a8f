"""Rule-based report labeler (CheXpert-style): mentions -> negation/uncertainty -> aggregation.

>>> label_report("No pneumothorax but small left effusion.").values["Pleural Effusion"]
1.0
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from medvlp.knowledge.findings import NEGATIVE, POSITIVE, UNCERTAIN, get_label_set
from medvlp.knowledge.phrases import iter_spans, phrase_key
from medvlp.knowledge.rules import LabelRules, RuleSet, load_rules, rule_files
from medvlp.knowledge.scope import Cue, find_cues, laterality, resolve
from medvlp.text.decode import validate_report
from medvlp.text.errors import ReportError
from medvlp.text.sections import ReportSections, split_sections
from medvlp.text.sentences import split_sentences

SECTIONS = ("training", "impression", "all")
_PRIORITY = {POSITIVE: 3, UNCERTAIN: 2, NEGATIVE: 1}
_OPPOSITE = {POSITIVE: NEGATIVE, NEGATIVE: POSITIVE, UNCERTAIN: UNCERTAIN}


@dataclass(frozen=True)
class Mention:
    """One piece of evidence: ``label`` got ``value`` from ``text`` in sentence ``sentence``."""

    label: str
    value: float
    sentence: int
    text: str
    cue: str | None = None  # the negation/uncertainty cue that decided, if any
    side: str | None = None
    rule: str = "mention"  # mention | negative | uncertain


@dataclass
class ReportLabels:
    """Labels of one report: values are 1.0 / 0.0 / -1.0 / None (not mentioned)."""

    label_set: str
    values: dict[str, float | None]
    laterality: dict[str, str | None] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)
    error: str | None = None  # the reason (never the text) when the report could not be labelled
    # Study-level statement naming no finding: 1.0 "an abnormality is seen", 0.0 "no acute abnormality" /
    # "a normal study", -1.0 "possible abnormality", None when the text makes none (rules: cues.yaml study_*)
    # or the labeler was built without ``study_statement`` (ingest labelling does not need it).
    abnormality: float | None = None


def _body(text: str, section: str, sections: ReportSections | None = None) -> str:
    if section == "all":
        return text
    sections = sections or split_sections(text)
    if section == "impression":
        return sections.impression or sections.text_for_training()
    return sections.text_for_training()


def _spans(regex: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    return [] if regex is None else list(iter_spans(regex, text))


class Labeler:
    """Holds the compiled rules; ``labeler(text)`` labels one report."""

    def __init__(self, label_set: str = "chexpert", rules: Iterable[str] | None = None,
                 section: str = "training", study_statement: bool = False) -> None:
        if section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, got {section!r}")
        self.label_set = get_label_set(label_set)
        self.rules: RuleSet = load_rules(label_set, rule_files(rules))
        self.section = section
        self.study_statement = study_statement  # also read ReportLabels.abnormality (two more regex scans)

    def _phrase_spans(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Phrase mentions of every label in one pass: label -> spans."""
        out: dict[str, list[tuple[int, int]]] = {}
        for start, end in iter_spans(self.rules.phrases, text):
            key = phrase_key(text[start:end], self.rules.phrase_labels)
            for label in self.rules.phrase_labels.get(key, ()) if key else ():
                out.setdefault(label, []).append((start, end))
        return out

    def _label_mentions(self, rules: LabelRules, text: str, starts: list[int], cues: list[list[Cue]],
                        phrase_spans: list[tuple[int, int]]) -> list[Mention]:
        candidates = [("mention", s) for s in phrase_spans]
        if not rules.requires or any(word in text for word in rules.requires):
            candidates += [("negative", s) for s in _spans(rules.negative, text)]
            candidates += [("uncertain", s) for s in _spans(rules.uncertain, text)]
            candidates += [("mention", s) for s in _spans(rules.patterns, text)]
        out = []
        excluded: dict[int, list[tuple[int, int]]] = {}  # per sentence, computed on demand
        for kind, (start, end) in candidates:
            index = bisect.bisect_right(starts, start) - 1
            if index not in excluded:
                stop = starts[index + 1] - 1 if index + 1 < len(starts) else len(text)
                excluded[index] = _spans(rules.exclude, text[starts[index] : stop])
            offset = starts[index]
            if "\n" in text[start:end] or any(s + offset < end and start < e + offset for s, e in excluded[index]):
                continue
            if kind == "mention":
                value, cue = resolve(text, start, end, cues[index], self.rules.cues)
            else:
                value, cue = (NEGATIVE if kind == "negative" else UNCERTAIN), None
            side = None
            if value != NEGATIVE and rules.name in self.label_set.sided:
                side = laterality(text, start, end, self.rules.cues)
            out.append(Mention(rules.name, value, index, text[start:end], cue.text if cue else None, side, kind))
        return out

    def __call__(self, text: str, source: str | None = None, sections: ReportSections | None = None) -> ReportLabels:
        """Label ``text``; raises a :class:`~medvlp.text.errors.ReportError` on empty/binary input.

        ``sections``: the already split sections of ``text`` (saves splitting twice in pipelines).
        """
        text = validate_report(text, source)
        # Lower-case per sentence first: lower() may change a non-ASCII string's length.
        sentences = [s.lower() for s in split_sentences(_body(text, self.section, sections))]
        joined = "\n".join(sentences)
        starts, offset = [], 0
        for sentence in sentences:
            starts.append(offset)
            offset += len(sentence) + 1
        # Cues grouped by sentence: a cue never reaches into another sentence.
        by_sentence: list[list[Cue]] = [[] for _ in sentences]
        for cue in find_cues(joined, self.rules.cues):
            by_sentence[bisect.bisect_right(starts, cue.start) - 1].append(cue)
        phrase_spans = self._phrase_spans(joined)
        mentions = [m for r in self.rules.labels
                    for m in self._label_mentions(r, joined, starts, by_sentence, phrase_spans.get(r.name, []))]
        labels = self._aggregate(mentions)
        if self.study_statement:
            labels.abnormality = self._study_statement(joined, starts, by_sentence)
        return labels

    def _study_statement(self, text: str, starts: list[int], cues: list[list[Cue]]) -> float | None:
        """The strongest study-level statement in ``text`` (see :attr:`ReportLabels.abnormality`)."""
        best: float | None = None
        for regex, opposite in ((self.rules.study_abnormal, False), (self.rules.study_normal, True)):
            for start, end in _spans(regex, text):
                if "\n" in text[start:end]:
                    continue
                value, _ = resolve(text, start, end, cues[bisect.bisect_right(starts, start) - 1], self.rules.cues)
                value = _OPPOSITE[value] if opposite else value
                if best is None or _PRIORITY[value] > _PRIORITY[best]:
                    best = value
        return best

    def _aggregate(self, mentions: list[Mention]) -> ReportLabels:
        values: dict[str, float | None] = {name: None for name in self.label_set.labels}
        sides: dict[str, set[str]] = {}
        for m in mentions:
            current = values[m.label]
            if current is None or _PRIORITY[m.value] > _PRIORITY[current]:
                values[m.label] = m.value
            if m.side and m.value != NEGATIVE:
                sides.setdefault(m.label, set()).add(m.side)
        if "No Finding" in values:
            findings = [v for k, v in values.items() if k not in ("No Finding", "Support Devices")]
            values["No Finding"] = None if any(v in (POSITIVE, UNCERTAIN) for v in findings) else POSITIVE
        lat: dict[str, str | None] = {}
        for name in self.label_set.labels:
            if name in self.label_set.sided:
                found = sides.get(name, set()) if values[name] in (POSITIVE, UNCERTAIN) else set()
                lat[name] = ("bilateral" if "bilateral" in found or {"left", "right"} <= found
                             else next(iter(found)) if found else None)
        return ReportLabels(self.label_set.name, values, lat, mentions)

    def label_many(self, texts: Sequence[str], sources: Sequence[str | None] | None = None) -> list[ReportLabels]:
        """Label every text; a bad report gives a row with ``error`` set and no labels (never raises)."""
        out = []
        for i, text in enumerate(texts):
            source = sources[i] if sources else f"report {i}"
            try:
                out.append(self(text, source))
            except ReportError as exc:
                empty: dict[str, float | None] = dict.fromkeys(self.label_set.labels)
                out.append(ReportLabels(self.label_set.name, empty, {}, [], error=exc.reason))
        return out


def label_report(text: str, label_set: str = "chexpert", rules: Iterable[str] | None = None,
                 section: str = "training") -> ReportLabels:
    """Label one report with the built-in (plus optional user) rules of ``label_set``."""
    return Labeler(label_set, rules, section)(text)


def label_reports(texts: Sequence[str], label_set: str = "chexpert", rules: Iterable[str] | None = None,
                  section: str = "training") -> list[ReportLabels]:
    """Label many reports; bad rows come back with ``error`` set (row count preserved)."""
    return Labeler(label_set, rules, section).label_many(texts)
