"""Sentence splitting robust to abbreviations, decimals, measurements, lists and line wraps."""

from __future__ import annotations

from medvlp.text.sentences import split_sentences


def test_abbreviations_do_not_split() -> None:
    text = "Discussed with Dr. Smith. Atelectasis vs. pneumonia, e.g. in the base. Nodule approx. 2 cm."
    assert split_sentences(text) == ["Discussed with Dr. Smith.", "Atelectasis vs. pneumonia, e.g. in the base.",
                                     "Nodule approx. 2 cm."]


def test_decimals_and_measurements_stay_whole() -> None:
    text = "A 1.5 cm nodule. It measures 3.2 x 2.1 mm. Another is 0.8 cm."
    assert split_sentences(text) == ["A 1.5 cm nodule.", "It measures 3.2 x 2.1 mm.", "Another is 0.8 cm."]


def test_sentence_ending_with_unit_splits() -> None:
    assert split_sentences("Nodule measures 5 mm. No effusion.") == ["Nodule measures 5 mm.", "No effusion."]


def test_numbered_lists_inline_and_on_lines() -> None:
    assert split_sentences("1. No pneumothorax. 2. Small effusion.") == ["No pneumothorax.", "Small effusion."]
    assert split_sentences("1. No pneumothorax\n2. Small effusion") == ["No pneumothorax", "Small effusion"]


def test_line_wrapped_text_is_joined() -> None:
    text = "There is no focal consolidation, pleural effusion or\npneumothorax.  Bilateral\nnodular opacities."
    assert split_sentences(text) == ["There is no focal consolidation, pleural effusion or pneumothorax.",
                                     "Bilateral nodular opacities."]


def test_blank_line_is_a_boundary_even_without_period() -> None:
    assert split_sentences("Lungs clear\n\nHeart normal") == ["Lungs clear", "Heart normal"]


def test_vertebral_levels_and_initials() -> None:
    assert split_sentences("Fracture of T10. Signed by J. Smith. C7 intact.") == [
        "Fracture of T10.", "Signed by J. Smith.", "C7 intact."]


def test_empty_and_punctuation_only() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n ...  ") == []
