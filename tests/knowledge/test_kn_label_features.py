"""The labeler's reading of a text as a vector: three slots (affirmed, negated, uncertain) per label."""

from __future__ import annotations

import torch

from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.label_features import (
    SLOTS,
    document_label_features,
    label_feature_size,
    label_features,
    no_finding_reading,
)
from medvlp.knowledge.labeler import Labeler


def _slot(label_set_labels: tuple[str, ...] | list[str], name: str, value: float) -> int:
    return len(SLOTS) * list(label_set_labels).index(name) + SLOTS.index(value)


def test_each_text_sets_the_slot_the_labeler_gives() -> None:
    texts = ["Small left pleural effusion. No pneumothorax.", "Possible pneumonia.", "there is no sign of edema",
             "", "   "]
    out = label_features(texts, "chexpert")
    assert out.shape == (5, label_feature_size("chexpert")) == (5, 3 * len(CHEXPERT.labels))
    labeler = Labeler("chexpert", section="all", study_statement=True)
    for row, text in enumerate(texts[:3]):
        expected = torch.zeros(out.shape[1])
        read = labeler(text)
        for name, value in read.values.items():
            value = no_finding_reading(read) if name == "No Finding" else value
            if value is not None:
                expected[_slot(CHEXPERT.labels, name, value)] = 1.0
        assert torch.equal(out[row], expected), text
    labels = CHEXPERT.labels
    assert out[0, _slot(labels, "Pleural Effusion", 1.0)] == 1 and out[0, _slot(labels, "Pneumothorax", 0.0)] == 1
    assert out[1, _slot(labels, "Pneumonia", -1.0)] == 1 and out[2, _slot(labels, "Edema", 0.0)] == 1
    # No Finding reads "is the study normal": negated by an affirmed finding, uncertain with a suspected one.
    assert out[0, _slot(labels, "No Finding", 0.0)] == 1 and out[1, _slot(labels, "No Finding", -1.0)] == 1
    assert out[2, _slot(labels, "No Finding", 1.0)] == 1
    assert out[:3].reshape(3, -1, 3).sum(-1).max() == 1  # one value per label
    assert not out[3:].any()  # blank texts state nothing


def test_affirmed_and_negated_prompts_differ_only_in_their_finding() -> None:
    out = label_features(["a chest CT scan showing emphysema", "a chest CT scan showing no emphysema"], "ct")
    diff = (out[0] - out[1]).nonzero().flatten().tolist()
    assert diff == [_slot(CT.labels, "Emphysema", 1.0), _slot(CT.labels, "Emphysema", 0.0)]


def test_the_sides_of_a_no_finding_prompt_get_opposite_no_finding_slots() -> None:
    # These prompts name no finding: only the study statement tells them apart.
    pairs = [("a normal chest radiograph", "an abnormal chest radiograph"),
             ("no acute abnormality is seen on this chest radiograph",
              "an acute abnormality is seen on this chest radiograph"),
             ("an unremarkable chest radiograph", "a chest radiograph with a pathological finding")]
    for normal, abnormal in pairs:
        out = label_features([normal, abnormal], "chexpert")
        diff = (out[0] - out[1]).nonzero().flatten().tolist()
        assert diff == [_slot(CHEXPERT.labels, "No Finding", 1.0), _slot(CHEXPERT.labels, "No Finding", 0.0)]
        assert out[0, _slot(CHEXPERT.labels, "No Finding", 1.0)] == 1


def test_documents_give_one_row_per_sentence_and_zero_padding() -> None:
    docs = [["No edema.", "Cardiomegaly."], ["Pneumothorax."]]
    out = document_label_features(docs, "chexpert", sentences=3)
    assert out.shape == (2, 3, label_feature_size("chexpert"))
    assert torch.equal(out[0, :2], label_features(docs[0], "chexpert"))
    assert torch.equal(out[1, 0], label_features(docs[1], "chexpert")[0])
    assert not out[0, 2].any() and not out[1, 1:].any()
