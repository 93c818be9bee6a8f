"""Finding-swap negatives: the labeler reads the swapped report with the two findings traded, nothing else."""

from __future__ import annotations

import numpy as np
import pytest

from medvlp.knowledge.finding_swap import FindingSwapper, SentenceBank
from medvlp.knowledge.labeler import Labeler

CORPUS = [
    ["There is a small left pleural effusion.", "No pneumothorax.", "The heart is enlarged.",
     "The osseous structures are intact."],
    ["Right upper lobe consolidation.", "No pleural effusion.", "Normal heart size.", "No pneumothorax."],
    ["Small right pneumothorax is noted.", "No consolidation.", "No edema."],
    ["Mild pulmonary edema.", "No pneumothorax or pleural effusion.", "Heart size is normal."],
]
REPORT = ["There is a small left pleural effusion.", "No pneumothorax.", "No consolidation.",
          "Lungs are otherwise clear.", "There is a small left pleural effusion."]


@pytest.fixture(scope="module")
def bank() -> SentenceBank:
    return SentenceBank.build(("chexpert", s) for s in CORPUS)


def test_bank_keeps_only_sentences_stating_one_finding(bank: SentenceBank) -> None:
    assert "Small right pneumothorax is noted." in bank.get("chexpert", "Pneumothorax", 1.0)
    assert "No pneumothorax." in bank.get("chexpert", "Pneumothorax", 0.0)
    everything = [s for labels in bank.sentences["chexpert"].values() for v in labels.values() for s in v]
    assert "No pneumothorax or pleural effusion." not in everything  # two findings
    assert "The osseous structures are intact." not in everything  # none


def test_bank_round_trips_through_json(bank: SentenceBank, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bank.save(tmp_path / "bank.json")
    assert SentenceBank.load(tmp_path / "bank.json") == bank


def test_a_swap_trades_exactly_the_two_findings(bank: SentenceBank) -> None:
    labeler = Labeler("chexpert", section="all")
    before = labeler(" ".join(REPORT)).values
    swaps = FindingSwapper(bank).swaps("chexpert", REPORT, np.random.default_rng(0), n=10)
    assert swaps, "a report with an affirmed and a denied finding has a swap"
    pairs = set()
    for swap in swaps:
        after = labeler(" ".join(swap.sentences)).values
        assert before[swap.affirmed] == 1.0 and after[swap.affirmed] in (0.0, None)
        assert before[swap.negated] in (0.0, None) and after[swap.negated] == 1.0
        others = [k for k in before if k not in (swap.affirmed, swap.negated, "No Finding")]
        assert {k: after[k] for k in others} == {k: before[k] for k in others}
        count = sum(v == 1.0 for k, v in after.items() if k != "No Finding")
        assert count == sum(v == 1.0 for k, v in before.items() if k != "No Finding")  # as abnormal as before
        assert "Lungs are otherwise clear." in swap.sentences  # untouched sentences stay
        pairs.add((swap.affirmed, swap.negated))
    assert len(pairs) == len(swaps)  # distinct pairs


def test_every_occurrence_of_the_affirmed_finding_is_replaced(bank: SentenceBank) -> None:
    for swap in FindingSwapper(bank).swaps("chexpert", REPORT, np.random.default_rng(1), n=10):
        assert "There is a small left pleural effusion." not in swap.sentences
        assert swap.sentences[0] == swap.sentences[4]  # the impression repeats the same replacement


def test_no_swap_without_an_affirmed_finding_or_from_an_unknown_label_set(bank: SentenceBank) -> None:
    swapper = FindingSwapper(bank)
    assert swapper.swaps("chexpert", ["No pneumothorax.", "No pleural effusion."], np.random.default_rng(0), 2) == []
    assert swapper.swaps("ct", REPORT, np.random.default_rng(0), 2) == []  # no CT sentences in the bank


def test_same_seed_same_swaps(bank: SentenceBank) -> None:
    swapper = FindingSwapper(bank)
    first = swapper.swaps("chexpert", REPORT, np.random.default_rng(3), 2)
    assert swapper.swaps("chexpert", REPORT, np.random.default_rng(3), 2) == first
