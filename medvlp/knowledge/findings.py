"""The label sets: names every layer (synthetic data, labeler, knowledge base, benchmarks) agrees on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelSet:
    """An ordered list of observations; ``sided`` ones may carry left/right/bilateral laterality."""

    name: str
    labels: tuple[str, ...]
    sided: frozenset[str]

    def index(self, label: str) -> int:
        return self.labels.index(label)

    def __len__(self) -> int:
        return len(self.labels)


# Exactly the CheXpert labeler's output columns, in its order.
CHEXPERT = LabelSet(
    name="chexpert",
    labels=(
        "No Finding",
        "Enlarged Cardiomediastinum",
        "Cardiomegaly",
        "Lung Lesion",
        "Lung Opacity",
        "Edema",
        "Consolidation",
        "Pneumonia",
        "Atelectasis",
        "Pneumothorax",
        "Pleural Effusion",
        "Pleural Other",
        "Fracture",
        "Support Devices",
    ),
    sided=frozenset({"Lung Lesion", "Lung Opacity", "Consolidation", "Pneumonia", "Atelectasis",
                     "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture"}),
)

# CT multi-abnormality set (a CT-RATE-like subset).
CT = LabelSet(
    name="ct",
    labels=(
        "Lung Nodule",
        "Pleural Effusion",
        "Emphysema",
        "Consolidation",
        "Atelectasis",
        "Pericardial Effusion",
        "Cardiomegaly",
        "Lymphadenopathy",
        "Arterial Wall Calcification",
        "Hiatal Hernia",
    ),
    sided=frozenset({"Lung Nodule", "Pleural Effusion", "Consolidation", "Atelectasis"}),
)

LABEL_SETS: dict[str, LabelSet] = {CHEXPERT.name: CHEXPERT, CT.name: CT}

POSITIVE, NEGATIVE, UNCERTAIN = 1.0, 0.0, -1.0
LATERALITIES = ("left", "right", "bilateral")


def get_label_set(name: str) -> LabelSet:
    from medvlp.errors import UnknownNameError

    try:
        return LABEL_SETS[name]
    except KeyError:
        raise UnknownNameError(f"unknown label set {name!r} (known: {', '.join(LABEL_SETS)})") from None
