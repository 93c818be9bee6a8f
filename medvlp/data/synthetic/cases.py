"""Plain records describing one synthetic study before it is drawn, written and reported."""

from __future__ import annotations

from dataclasses import dataclass, field

# How a label appears in the report (and so in ground_truth.csv).
MENTION_POSITIVE, MENTION_UNCERTAIN, MENTION_NEGATED, MENTION_NONE = "positive", "uncertain", "negated", "none"


@dataclass
class Finding:
    """One present (positive or uncertain) finding with where and how large it is.

    ``side`` is the true side (left/right/bilateral, "" for unsided labels); ``side_stated`` says
    whether the report names it. ``size_mm``/``contrast_hu`` are 0 when not meaningful.
    """

    label: str
    uncertain: bool = False
    side: str = ""
    side_stated: bool = True
    severity: str = ""  # small / moderate / large (report wording and drawing strength)
    lobe: str = ""  # e.g. "upper", "lower", "middle" (frontal lung zone)
    size_mm: float = 0.0
    contrast_hu: float = 0.0
    difficulty: str = ""  # easy / medium / hard
    kind: str = ""  # sub-type, e.g. "nodule"/"mass", "ett"/"ngt"/"cvc"


@dataclass
class Study:
    """A study to generate: identity, acquisition choices and its findings."""

    study_key: str
    patient_key: str
    patient_index: int
    visit: int  # 0 for the first study of the patient
    modality: str  # "CR"/"DX" for radiographs, "CT"
    label_set: str  # "chexpert" or "ct"
    findings: list[Finding] = field(default_factory=list)
    negated: list[str] = field(default_factory=list)  # absent labels the report explicitly negates
    views: list[str] = field(default_factory=list)  # radiographs: "PA", "AP", "LL"
    fmt: str = "dicom"  # "dicom" or "nifti"

    def positive_labels(self) -> set[str]:
        return {f.label for f in self.findings}
