"""Rules files: validation, user extensions, knowledge-base synonyms as the single source of truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from medvlp.errors import ConfigError
from medvlp.knowledge import KnowledgeBase, label_report
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.phrases import normalise
from medvlp.knowledge.rules import load_rules, rule_files


def test_every_label_has_rules_and_kb_synonyms_are_mentions() -> None:
    kb = KnowledgeBase.load()
    for label_set in (CHEXPERT, CT):
        rules = load_rules(label_set.name)
        names = {r.name for r in rules.labels}
        assert names == set(label_set.labels) - {"No Finding"}
        for name in names:
            for synonym in kb.entry(name).synonyms:
                match = rules.phrases.fullmatch(synonym.lower())
                assert match, (name, synonym)
                assert name in rules.phrase_labels[normalise(synonym)]


@pytest.mark.parametrize("body,message", [
    ("labels:\n  Pleural Efusion: {mentions: [x]}\n", "unknown label 'Pleural Efusion'"),
    ("labels:\n  Edema: {mention: [x]}\n", "unknown keys"),
    ("labels:\n  Edema: {patterns: ['(unclosed']}\n", "invalid regular expression"),
    ("labels:\n  Edema: {mentions: fluid}\n", "expected a list of strings"),
    ("foo: 1\n", "unknown top-level keys"),
    ("- just\n- a list\n", "must be a mapping"),
    ("cues:\n  laterality: {up: [superior]}\n", "laterality side"),
])
def test_invalid_user_rules(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_rules("chexpert", rule_files([path]))


def test_user_rules_for_other_label_set_do_not_apply(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("label_set: ct\nlabels:\n  Emphysema: {mentions: [hyperlucency]}\n")
    assert label_report("Hyperlucency.", "ct", rules=[path]).values["Emphysema"] == 1.0
    assert label_report("Hyperlucency.", "chexpert", rules=[path]).values["No Finding"] == 1.0


def test_user_negative_and_uncertain_patterns(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("labels:\n  Edema:\n    negative: ['\\bvessels are crisp\\b']\n"
                    "    uncertain: ['\\bperhaps fluid\\b']\n")
    assert label_report("Vessels are crisp.", rules=[path]).values["Edema"] == 0.0
    assert label_report("Perhaps fluid.", rules=[path]).values["Edema"] == -1.0
    assert label_report("Vessels are crisp.").values["Edema"] is None


def test_unknown_label_set() -> None:
    with pytest.raises(ConfigError):
        label_report("x", "mri")


def test_user_patterns_lift_the_builtin_speed_gate(tmp_path: Path) -> None:
    """Cardiomegaly's built-in patterns only run on texts with "heart"/"cardiac"; a user pattern must not."""
    path = tmp_path / "rules.yaml"
    path.write_text("labels:\n  Cardiomegaly:\n    patterns: ['\\bcor bovinum\\b']\n")
    assert label_report("Cor bovinum.", rules=[path]).values["Cardiomegaly"] == 1.0
    assert label_report("Cor bovinum.").values["Cardiomegaly"] is None
