"""What the report labeler reads in a text, as a fixed-size vector: knowledge input for a text tower.

Each label of the label set gets three slots (affirmed, negated, uncertain); a text sets the slot the rule
labeler (:mod:`medvlp.knowledge.labeler`, NegEx-style cues and the knowledge base's finding phrases) gives
that label, and leaves all three at zero when it does not mention the label. A text tower adds a learned
projection of this vector to its pooled output (``text.params.label_features``), as UmlsBERT adds UMLS
semantic-type embeddings and KAD / MedKLIP align images to report entities: the finding and its negation are
then read with the labeler's medical vocabulary and cue lists instead of only what a from-scratch tower
learnt from a few thousand reports, so a zero-shot prompt worded unlike the reports ("there is no sign of
pneumothorax on this chest radiograph") still states its finding (benchmarks/RESULTS.md, session 12).

No Finding is read as "is this study normal", not as CheXpert's derived column (1 whenever nothing is
affirmed, even in "an abnormal radiograph"): negated when the text affirms any finding or states an
abnormality without naming one, uncertain when it only suspects one, affirmed otherwise. Without this the two
sides of a No Finding prompt ("a normal ..." / "an abnormal ...") get the same vector, and only the tower's
own reading of "abnormal" separates them (session 13).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import torch
from torch import Tensor

from medvlp.knowledge.findings import NEGATIVE, POSITIVE, UNCERTAIN, get_label_set
from medvlp.knowledge.labeler import Labeler, ReportLabels
from medvlp.text.errors import ReportError

SLOTS = (POSITIVE, NEGATIVE, UNCERTAIN)
# What the slots mean, recorded in every weight card of a tower that reads them: 1 read No Finding as CheXpert's
# derived column (before session 13), 2 as "is this study normal". A tower trained on one reading gets wrong
# inputs from the other, so loading compares the two (medvlp.models.card).
LABEL_FEATURES_VERSION = 2
NO_FINDING = "No Finding"
_NOT_A_FINDING = frozenset({NO_FINDING, "Support Devices"})


def no_finding_reading(labels: ReportLabels) -> float:
    """Whether the text reads as a normal study: the No Finding slot of its vector (see module docstring)."""
    states = [v for k, v in labels.values.items() if k not in _NOT_A_FINDING] + [labels.abnormality]
    if POSITIVE in states:
        return NEGATIVE
    return UNCERTAIN if UNCERTAIN in states else POSITIVE


@cache
def feature_labeler(label_set: str) -> Labeler:
    """The labeler that reads each text (any section, study statements too), compiled once per process."""
    return Labeler(label_set, section="all", study_statement=True)


def label_feature_size(label_set: str) -> int:
    """Length of the vector: three slots per label of ``label_set``."""
    return len(SLOTS) * len(get_label_set(label_set).labels)


def label_features(texts: Sequence[str], label_set: str) -> Tensor:
    """``N`` texts -> float ``[N, 3K]`` (slot ``3k + j``: label ``k`` has value ``SLOTS[j]``).

    A blank text states nothing: its row is all zeros (it is not labelled, and the tower's own output
    carries it as before).
    """
    labels = get_label_set(label_set).labels
    labeler = feature_labeler(label_set)
    out = torch.zeros(len(texts), len(SLOTS) * len(labels))
    for row, text in enumerate(texts):
        if not text.strip():
            continue
        try:
            read = labeler(text)
        except ReportError:  # e.g. binary junk: nothing the labeler can read, so nothing to add
            continue
        for k, name in enumerate(labels):
            value = no_finding_reading(read) if name == NO_FINDING else read.values.get(name)
            if value is not None:
                out[row, len(SLOTS) * k + SLOTS.index(value)] = 1.0
    return out


def document_label_features(documents: Sequence[Sequence[str]], label_set: str, sentences: int) -> Tensor:
    """Lists of sentences -> ``[B, S, 3K]`` (one row per sentence; missing sentences are zeros)."""
    flat = label_features([s for doc in documents for s in doc], label_set)
    out = flat.new_zeros(len(documents), sentences, flat.shape[-1])
    start = 0
    for b, doc in enumerate(documents):
        out[b, : len(doc)] = flat[start : start + len(doc)]
        start += len(doc)
    return out
