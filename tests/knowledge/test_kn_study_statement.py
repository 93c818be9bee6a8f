"""Study-level statements that name no finding ("an abnormal radiograph", "no acute abnormality")."""

from __future__ import annotations

from pathlib import Path

import pytest

from medvlp.errors import ConfigError
from medvlp.knowledge.findings import NEGATIVE, POSITIVE, UNCERTAIN
from medvlp.knowledge.labeler import Labeler


@pytest.mark.parametrize(("text", "expected"), [
    ("An abnormal chest radiograph.", POSITIVE),
    ("An acute abnormality is seen on this chest radiograph.", POSITIVE),
    ("A chest radiograph with a pathological finding.", POSITIVE),
    ("The study is not normal.", POSITIVE),  # a cue flips a normal statement
    ("No acute abnormality is seen on this chest radiograph.", NEGATIVE),
    ("No acute cardiopulmonary process.", NEGATIVE),
    ("Normal chest radiograph.", NEGATIVE),
    ("An unremarkable chest radiograph.", NEGATIVE),
    ("The heart, lungs and pleura look normal.", NEGATIVE),
    ("Possible abnormality at the left base.", UNCERTAIN),
    ("Small left pleural effusion.", None),  # names a finding, states nothing about the study
])
def test_reads_the_study_statement_with_the_labelers_cues(text: str, expected: float | None) -> None:
    assert Labeler("chexpert", section="all", study_statement=True)(text).abnormality == expected


def test_an_affirmed_statement_wins_over_a_negated_one() -> None:
    text = "Heart size is normal. An acute abnormality is seen in the right lung."
    assert Labeler("chexpert", section="all", study_statement=True)(text).abnormality == POSITIVE


def test_only_a_labeler_asked_for_it_reads_the_statement() -> None:
    # Ingest labelling does not use it: two fewer regex scans per report.
    assert Labeler("chexpert", section="all")("An abnormal chest radiograph.").abnormality is None


def test_the_chexpert_no_finding_column_stays_derived_from_the_findings() -> None:
    # CheXpert's No Finding is 1 whenever no finding is affirmed: the study statement does not change it.
    labeler = Labeler("chexpert", section="all")
    assert labeler("An abnormal chest radiograph.").values["No Finding"] == POSITIVE
    assert labeler("Small left pleural effusion.").values["No Finding"] is None


def test_a_user_rules_file_adds_study_statements(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("cues:\n  study_abnormal: ['\\bderanged\\b']\n", encoding="utf-8")
    assert Labeler("chexpert", section="all", study_statement=True)("Deranged study.").abnormality is None
    user = Labeler("chexpert", rules=[str(rules)], section="all", study_statement=True)
    assert user("Deranged study.").abnormality == POSITIVE and user("No deranged study.").abnormality == NEGATIVE


def test_a_bad_user_study_pattern_is_a_config_error_naming_the_list(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("cues:\n  study_normal: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="study_normal"):
        Labeler("chexpert", rules=[str(rules)], section="all", study_statement=True)
