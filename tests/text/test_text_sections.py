"""Section splitting across the real-world header styles."""

from __future__ import annotations

import pytest

from medvlp.text.sections import split_sections

MIMIC = """                                 FINAL REPORT
 EXAMINATION:  CHEST (PA AND LAT)

 INDICATION:  ___F with new onset ascites  // eval for infection

 TECHNIQUE:  Chest PA and lateral

 COMPARISON:  None.

 FINDINGS:

 There is no focal consolidation, pleural effusion or pneumothorax.  Bilateral
 nodular opacities that most likely represent nipple shadows.

 IMPRESSION:

 No acute cardiopulmonary process.
"""


def test_mimic_style_with_preamble() -> None:
    s = split_sections(MIMIC)
    assert s.examination == "CHEST (PA AND LAT)"
    assert s.indication is not None and s.indication.startswith("___F with new onset ascites")
    assert s.technique == "Chest PA and lateral"
    assert s.comparison == "None."
    assert s.findings is not None and s.findings.startswith("There is no focal consolidation")
    assert "nipple shadows" in s.findings
    assert s.impression == "No acute cardiopulmonary process."
    assert s.preamble is None  # "FINAL REPORT" is boilerplate, not content
    assert "INDICATION" not in s.text_for_training() and "ascites" not in s.text_for_training()


def test_inline_openi_style_with_xxxx_placeholders() -> None:
    text = ("Comparison: XXXX. Indication: XXXX-year-old male, chest pain. Findings: The cardiomediastinal "
            "silhouette is normal. Impression: No acute cardiopulmonary abnormality.")
    s = split_sections(text)
    assert s.comparison == "XXXX."
    assert s.indication == "XXXX-year-old male, chest pain."
    assert s.findings == "The cardiomediastinal silhouette is normal."
    assert s.impression == "No acute cardiopulmonary abnormality."


@pytest.mark.parametrize("header", ["IMPRESSION", "Impression", "impression:", "CONCLUSION:", "Summary -",
                                    "CONCLUSIONS"])
def test_impression_synonyms_and_styles(header: str) -> None:
    s = split_sections(f"FINDINGS\nLungs are clear.\n{header}\nNormal chest.")
    assert s.findings == "Lungs are clear."
    assert s.impression == "Normal chest."


@pytest.mark.parametrize("header,field", [("HISTORY:", "indication"), ("Clinical information:", "indication"),
                                          ("Reason for exam:", "indication"), ("Technique:", "technique"),
                                          ("COMPARISON:", "comparison")])
def test_other_section_synonyms(header: str, field: str) -> None:
    s = split_sections(f"{header} something here.\nFINDINGS: Lungs clear.")
    assert getattr(s, field) == "something here."
    assert s.findings == "Lungs clear."


def test_missing_headers_whole_text_is_findings() -> None:
    text = "The lungs are clear. No pleural effusion."
    s = split_sections(text)
    assert s.findings == text and s.impression is None and not s.headers_found
    assert s.text_for_training() == text


def test_numbered_impression_items() -> None:
    s = split_sections("FINDINGS: See below.\nIMPRESSION:\n1. No pneumothorax.\n2. Stable 1.5 cm nodule.")
    assert s.impression_items() == ["No pneumothorax.", "Stable 1.5 cm nodule."]


def test_impression_only_report_and_as_dict() -> None:
    s = split_sections("IMPRESSION: Small left effusion.")
    assert s.findings is None and s.impression == "Small left effusion."
    assert s.as_dict() == {"impression": "Small left effusion."}
    assert s.text_for_training() == "Small left effusion."


def test_word_inside_sentence_is_not_a_header() -> None:
    s = split_sections("The findings are unchanged. History of smoking is noted in the chart.")
    assert not s.headers_found
    assert s.findings == "The findings are unchanged. History of smoking is noted in the chart."
