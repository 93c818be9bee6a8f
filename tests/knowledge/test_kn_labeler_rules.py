"""Labeler behaviour on hand-written hard cases, one test per rule type."""

from __future__ import annotations

import pytest

from medvlp.knowledge import label_report
from medvlp.knowledge.findings import CHEXPERT, CT

P, N, U = 1.0, 0.0, -1.0


def values(text: str, label_set: str = "chexpert") -> dict[str, float]:
    return {k: v for k, v in label_report(text, label_set).values.items() if v is not None}


@pytest.mark.parametrize("text,expected", [
    # pre-negation with a list in scope
    ("No evidence of pneumothorax or effusion.", {"Pneumothorax": N, "Pleural Effusion": N}),
    ("No focal consolidation, pleural effusion, or pneumothorax.",
     {"Consolidation": N, "Pleural Effusion": N, "Pneumothorax": N}),
    ("The lungs are clear without consolidation or edema.", {"Consolidation": N, "Edema": N}),
    # post-negation
    ("The effusion has resolved.", {"Pleural Effusion": N}),
    ("Pneumothorax is no longer seen.", {"Pneumothorax": N}),
    ("The endotracheal tube has been removed.", {"Support Devices": N}),
    # uncertainty, pre and post
    ("Cannot exclude pneumonia.", {"Pneumonia": U}),
    ("Possible right lower lobe atelectasis.", {"Atelectasis": U}),
    ("Pneumonia cannot be excluded.", {"Pneumonia": U}),
    ("Atelectasis versus pneumonia.", {"Atelectasis": U, "Pneumonia": U}),
    # termination ("but") and sentence boundaries stop the scope
    ("No pneumothorax but small left effusion.", {"Pneumothorax": N, "Pleural Effusion": P}),
    ("No pneumothorax. Small left effusion.", {"Pneumothorax": N, "Pleural Effusion": P}),
    ("No pneumothorax, stable left effusion.", {"Pneumothorax": N, "Pleural Effusion": P}),
    # pseudo-negation does not negate
    ("No interval change in the left pleural effusion.", {"Pleural Effusion": P}),
    ("Decreased bilateral effusions.", {"Pleural Effusion": P}),
    # "no new" is still a negation of a new finding
    ("No new consolidation.", {"Consolidation": N}),
    # negative and positive patterns with qualifiers
    ("Heart size is top normal.", {"Cardiomegaly": N}),
    ("The heart is not enlarged.", {"Cardiomegaly": N}),
    ("The heart is enlarged.", {"Cardiomegaly": P}),
    ("The cardiomediastinal silhouette is within normal limits.", {"Enlarged Cardiomediastinum": N}),
    ("The mediastinum is widened.", {"Enlarged Cardiomediastinum": P}),
    ("Blunting of the left costophrenic angle.", {"Pleural Effusion": P}),
    # exclusions
    ("Small pericardial effusion.", {}),
    ("Lytic bone lesion in the humerus.", {}),
    # knowledge-base synonyms are mentions
    ("Patchy infiltrate at the left base.", {"Lung Opacity": P}),
    ("Right internal jugular central line.", {"Support Devices": P}),
    ("Healing right rib fractures.", {"Fracture": P}),
    ("Left apical pleural thickening.", {"Pleural Other": P}),
])
def test_hard_cases(text: str, expected: dict[str, float]) -> None:
    got = values(text)
    got.pop("No Finding", None)
    assert got == expected


def test_aggregation_positive_beats_uncertain_beats_negative() -> None:
    assert values("No effusion on the right. Possible small left effusion.")["Pleural Effusion"] == U
    assert values("Possible pneumonia. Right lower lobe pneumonia.")["Pneumonia"] == P


def test_no_finding_rules() -> None:
    assert values("No acute cardiopulmonary process.") == {"No Finding": P}
    assert values("Endotracheal tube in good position. Lungs are clear.")["No Finding"] == P
    assert "No Finding" not in values("Possible small effusion.")
    assert values("No pneumothorax.")["No Finding"] == P


@pytest.mark.parametrize("text,label,side", [
    ("No pneumothorax but small left effusion.", "Pleural Effusion", "left"),
    ("Decreased bilateral effusions.", "Pleural Effusion", "bilateral"),
    ("Opacity in the right lower lobe.", "Lung Opacity", "right"),
    ("Left pneumothorax and right pleural effusion.", "Pneumothorax", "left"),
    ("Left pneumothorax and right pleural effusion.", "Pleural Effusion", "right"),
    ("Right effusion. Left effusion.", "Pleural Effusion", "bilateral"),
    ("Bibasilar atelectasis.", "Atelectasis", "bilateral"),
    ("Small pleural effusion.", "Pleural Effusion", None),
])
def test_laterality(text: str, label: str, side: str | None) -> None:
    assert label_report(text).laterality[label] == side


def test_negated_finding_has_no_laterality() -> None:
    assert label_report("No left pneumothorax.").laterality["Pneumothorax"] is None


def test_mentions_explain_the_decision() -> None:
    result = label_report("Cannot exclude pneumonia.")
    (mention,) = [m for m in result.mentions if m.label == "Pneumonia"]
    assert mention.text == "pneumonia" and mention.cue == "cannot exclude" and mention.value == U


def test_indication_is_not_labelled_by_default() -> None:
    text = "INDICATION: Evaluate for pneumonia.\nFINDINGS: Lungs are clear.\nIMPRESSION: Normal."
    assert "Pneumonia" not in values(text)
    assert label_report(text, section="all").values["Pneumonia"] == U


def test_ct_label_set_same_engine() -> None:
    got = values("Centrilobular emphysema. 6 mm nodule in the right upper lobe. No pericardial effusion. "
                 "Small hiatal hernia. Coronary artery calcification. No mediastinal lymphadenopathy.", "ct")
    assert got == {"Emphysema": P, "Lung Nodule": P, "Pericardial Effusion": N, "Hiatal Hernia": P,
                   "Arterial Wall Calcification": P, "Lymphadenopathy": N}
    result = label_report("6 mm nodule in the right upper lobe.", "ct")
    assert set(result.values) == set(CT.labels) and result.laterality["Lung Nodule"] == "right"
    assert values("Subcutaneous emphysema in the chest wall.", "ct") == {}
    # "solid nodule" inside "subsolid nodule" starts mid-word; the plain "nodule" must still be found
    assert values("1.2 cm subsolid nodule is present.", "ct") == {"Lung Nodule": P}


def test_output_covers_label_set_in_order() -> None:
    assert list(label_report("Normal.").values) == list(CHEXPERT.labels)


@pytest.mark.timeout(60)
def test_huge_reports_take_linear_time() -> None:
    """~0.75 MB in one line and in many sentences (under the size limit): no quadratic blow-up."""
    from medvlp.text.deid import deidentify

    for text in ("no pneumothorax, small left effusion, Mercy Hospital seen, possible edema " * 10_000,
                 "No pneumothorax. Small left effusion at Mercy Hospital, Dr. Smith. " * 11_000):
        assert label_report(text).values["Pleural Effusion"] == P
        assert "[INSTITUTION]" in deidentify(text).text
