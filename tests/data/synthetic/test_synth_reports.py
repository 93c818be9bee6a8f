"""Reports mention exactly the labelled findings with the labelled polarity (independent keyword check)."""

from __future__ import annotations

import re

# Our own keyword lists (deliberately not the generator's grammar tables).
CXR_KEYWORDS = {
    "No Finding": ["no acute cardiopulmonary", "no acute intrathoracic", "normal chest radiograph"],
    "Enlarged Cardiomediastinum": ["mediastin"],
    "Cardiomegaly": ["cardiomegaly", "enlarged heart", "cardiac enlargement", "cardiac silhouette", "heart size",
                     "heart is"],
    "Lung Lesion": ["nodule", "mass"],
    "Lung Opacity": ["opacit"],
    "Edema": ["edema"],
    "Consolidation": ["consolidat"],
    "Pneumonia": ["pneumonia"],
    "Atelectasis": ["atelecta"],
    "Pneumothorax": ["pneumothora"],
    "Pleural Effusion": ["effusion", "pleural fluid"],
    "Pleural Other": ["pleural thickening", "pleural plaque", "pleural scarring"],
    "Fracture": ["fractur"],
    "Support Devices": ["tube", "catheter", "picc", "support device"],
}
CT_KEYWORDS = {
    "Lung Nodule": ["nodul"],
    "Pleural Effusion": ["pleural effusion", "pleural fluid"],
    "Emphysema": ["emphysema"],
    "Consolidation": ["consolidat"],
    "Atelectasis": ["atelecta"],
    "Pericardial Effusion": ["pericardial"],
    "Cardiomegaly": CXR_KEYWORDS["Cardiomegaly"],
    "Lymphadenopathy": ["adenopathy", "lymph node"],
    "Arterial Wall Calcification": ["calcification"],
    "Hiatal Hernia": ["hernia"],
}
HEDGES = ["cannot exclude", "cannot be excluded", "possible", "may represent", "questionable"]
NEGATIONS = ["no ", "negative for", "not enlarged", "is normal", "normal heart size", "within normal limits",
             "normal mediastinal"]
SIDES = ("left", "right", "bilateral")


def sentences(report: str) -> list[str]:
    return [s.strip().lower() for s in re.split(r"(?<=[.:])\s+|\n", report) if s.strip()]


def polarity(sentence: str) -> str:
    if any(h in sentence for h in HEDGES):
        return "-1"
    if sentence.startswith("no ") or any(n in sentence for n in NEGATIONS):
        return "0"
    return "1"


def mentions(report: str, keywords: dict[str, list[str]]) -> dict[str, list[str]]:
    """label -> the sentences mentioning it."""
    found: dict[str, list[str]] = {}
    for s in sentences(report):
        for label, words in keywords.items():
            if any(w in s for w in words):
                found.setdefault(label, []).append(s)
    return found


def test_reports_mention_exactly_the_labels(truth: list[dict[str, str]], reports: dict[str, str]) -> None:
    checked = 0
    for row in truth:
        keywords = CXR_KEYWORDS if row["label_set"] == "chexpert" else CT_KEYWORDS
        found = mentions(reports[row["study_key"]], keywords)
        for label in keywords:
            expected = row[label]
            said = {polarity(s) for s in found.get(label, [])}
            if label == "No Finding":  # "No acute ... abnormality." asserts normality
                said = {"1"} if said else set()
            if expected == "":
                assert not said, (row["study_key"], label, found.get(label))
            else:
                assert said == {expected}, (row["study_key"], label, expected, found.get(label))
            checked += 1
    assert checked == sum(len(CXR_KEYWORDS if r["label_set"] == "chexpert" else CT_KEYWORDS) for r in truth)


def test_laterality_stated_when_recorded(truth: list[dict[str, str]], reports: dict[str, str]) -> None:
    stated = unstated = 0
    for row in truth:
        keywords = CXR_KEYWORDS if row["label_set"] == "chexpert" else CT_KEYWORDS
        found = mentions(reports[row["study_key"]], keywords)
        for label in keywords:
            side = row.get(f"{label}|laterality", "")
            if not side or row[label] not in ("1", "-1"):
                continue
            said_sides = {w for s in found[label] for w in SIDES if w in s}
            if row[f"{label}|side_stated"] == "1":
                assert said_sides == {side}, (row["study_key"], label, side, found[label])
                stated += 1
            else:
                assert not said_sides, (row["study_key"], label, found[label])
                unstated += 1
    assert stated > 0 and unstated > 0


def test_every_report_has_a_sentence_and_normal_studies_say_so(truth: list[dict[str, str]],
                                                               reports: dict[str, str]) -> None:
    for row in truth:
        text = reports[row["study_key"]]
        assert re.search(r"[A-Za-z][^.]*\.", text), row["study_key"]
        if row["label_set"] == "chexpert" and row["No Finding"] == "1":
            assert any(k in text.lower() for k in CXR_KEYWORDS["No Finding"])


def test_hedges_and_sizes_occur(reports: dict[str, str]) -> None:
    text = " ".join(reports.values()).lower()
    assert re.search(r"\d+(\.\d)? (cm|mm)", text)
    assert "findings" in text and ("impression" in text or "conclusion" in text)
    assert any(h in text for h in HEDGES)  # uncertain labels are hedged somewhere in the set
