"""Finding-swap negatives through the data pipeline, the collate, the model and a short real run."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from train_fixtures import tiny_config, tiny_tokenizer

from medvlp import keys
from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.errors import ConfigError
from medvlp.knowledge.finding_swap import SentenceBank
from medvlp.knowledge.findings import CHEXPERT
from medvlp.training.augment import SampleAugmenter
from medvlp.training.collate import PretrainCollate
from medvlp.training.config import AugmentSection, DataSection

SENTENCES = ["Small left pleural effusion.", "No pneumothorax.", "Small left pleural effusion."]
BANK = SentenceBank.build([("chexpert", ["Right pneumothorax.", "No pleural effusion.", "Mild edema."])])


def _sample() -> dict:
    return {keys.KEY: "k", keys.IMAGE: torch.rand(1, 40, 48), keys.REPORT: " ".join(SENTENCES),
            keys.SENTENCES: SENTENCES, keys.LABEL_SET: "chexpert", keys.LABELS: torch.tensor([1.0, math.nan])}


def test_augmenter_adds_swaps_and_leaves_the_report_as_without_them() -> None:
    plain = DataSection(image_size=(32, 32), augment=AugmentSection(synonym_swap=0.5))
    swapped = DataSection(image_size=(32, 32), augment=AugmentSection(synonym_swap=0.5, finding_swaps=2))
    for seed in range(5):
        with_swaps = SampleAugmenter(swapped, train=True, sentence_bank=BANK)(_sample(), seed=seed)
        assert with_swaps[keys.REPORT] == SampleAugmenter(plain, train=True)(_sample(), seed=seed)[keys.REPORT]
        assert 1 <= len(with_swaps[keys.SWAP_NEGATIVES]) <= 2  # effusion -> pneumothorax and/or -> edema
    exact = DataSection(image_size=(32, 32), augment=AugmentSection(shuffle_sentences=False, finding_swaps=2))
    negatives = SampleAugmenter(exact, train=True, sentence_bank=BANK)(_sample(), seed=0)[keys.SWAP_NEGATIVES]
    assert sorted(negatives) == ["Mild edema. No pneumothorax. Mild edema.",
                                 "Right pneumothorax. No pleural effusion. Right pneumothorax."]
    assert keys.SWAP_NEGATIVES not in SampleAugmenter(swapped, train=False, sentence_bank=BANK)(_sample(), seed=0)
    unlabelled = {k: v for k, v in _sample().items() if k != keys.LABEL_SET}  # no label set: nothing to swap by
    assert SampleAugmenter(swapped, train=True, sentence_bank=BANK)(unlabelled, seed=0)[keys.SWAP_NEGATIVES] == []


def test_finding_swaps_need_a_bank_and_a_non_negative_count() -> None:
    with pytest.raises(ValueError, match="sentence bank"):
        SampleAugmenter(DataSection(augment=AugmentSection(finding_swaps=1)), train=True)
    with pytest.raises(ConfigError, match="finding_swaps"):
        AugmentSection(finding_swaps=-1)


def test_collate_pads_the_swap_slots_and_masks_the_empty_ones() -> None:
    collate = PretrainCollate(tiny_tokenizer(), max_length=8)
    base = {keys.IMAGE: torch.rand(1, 4, 4), keys.REPORT: "small left effusion"}
    batch = collate([{**base, keys.KEY: "a", keys.SWAP_NEGATIVES: ["no effusion", "edema"]},
                     {**base, keys.KEY: "b", keys.SWAP_NEGATIVES: []},
                     {**base, keys.KEY: "c", keys.SWAP_NEGATIVES: ["large nodule"]}])
    assert batch[keys.SWAP_MASK].tolist() == [[True, True], [False, False], [True, False]]
    ids, mask = batch[keys.SWAP_INPUT_IDS], batch[keys.SWAP_ATTENTION_MASK]
    assert ids.shape[0] == 6 and mask.shape == ids.shape
    assert keys.SWAP_MASK not in collate([{**base, keys.KEY: "d"}])


def test_swap_objective_without_swaps_is_a_config_error_before_any_data(tmp_path: Path) -> None:
    from medvlp.training import run_pretrain

    (tmp_path / "data" / "shards").mkdir(parents=True)  # empty: reading any data would fail differently
    cfg = tiny_config(tmp_path / "data", tmp_path / "run", "model.name=cxr_tiny",
                      'objective.swap_negatives={"weight": 1.0}')
    with pytest.raises(ConfigError, match="finding_swaps"):
        run_pretrain(cfg)


def _shards(root: Path, n: int = 16) -> None:
    rng = np.random.default_rng(0)
    findings = [("Left pleural effusion.", "No pleural effusion.", "Pleural Effusion"),
                ("Right pneumothorax.", "No pneumothorax.", "Pneumothorax"),
                ("Mild pulmonary edema.", "No edema.", "Edema")]
    samples = []
    for i in range(n):
        yes, _, name = findings[i % 3]
        no = findings[(i + 1) % 3][1]
        labels = {label: None for label in CHEXPERT.labels}
        labels[name], labels[findings[(i + 1) % 3][2]] = 1, 0
        meta = {"patient_id": f"p{i}", "study_id": f"s{i}", "modality": "CR", "split": "train",
                "label_set": "chexpert", "labels": labels, "sentences": [yes, no, "Heart size is normal."]}
        pixels = rng.integers(0, 255, size=(64, 64)).astype(np.uint8)
        samples.append((f"cx{i:04d}", {"npy": npy_bytes(pixels), "json": json_bytes(meta),
                                       "txt": " ".join(meta["sentences"]).encode()}))
    write_tar(root / "shards" / "train-000000.tar", samples)


def test_a_real_run_trains_on_swaps_and_keeps_its_sentence_bank(tmp_path: Path) -> None:
    from medvlp.training import run_pretrain

    _shards(tmp_path / "data")
    torch.manual_seed(0)
    extra = ("model.name=cxr_tiny", "data.image_size=[64, 64]", "data.batch_size=8", "data.val_split=null",
             "optim.lr=0.001", "data.augment.finding_swaps=2", 'objective.swap_negatives={"weight": 1.0}')
    run_pretrain(tiny_config(tmp_path / "data", tmp_path / "run", "trainer.max_steps=3", *extra))
    bank = SentenceBank.load(tmp_path / "run" / "sentence_bank.json")
    assert bank.get("chexpert", "Edema", 0.0) == ["No edema."]
    rows = list(csv.DictReader((tmp_path / "run" / "csv" / "metrics.csv").open()))
    fractions = [float(r["train/swap_negatives/swapped_fraction"]) for r in rows
                 if r.get("train/swap_negatives/swapped_fraction")]
    losses = [float(r["train/swap_negatives/loss"]) for r in rows if r.get("train/swap_negatives/loss")]
    assert fractions and min(fractions) == 1.0  # every report here has a swap
    assert losses and all(math.isfinite(v) and v > 0 for v in losses)
    # the bank is fitted once: a resumed / extended run reads the saved file, not the shards
    (tmp_path / "run" / "sentence_bank.json").write_text('{"chexpert": {"Edema": {"0": ["No edema at all."]}}}')
    run_pretrain(tiny_config(tmp_path / "data", tmp_path / "run", "trainer.max_steps=4", *extra))
    reloaded = SentenceBank.load(tmp_path / "run" / "sentence_bank.json")
    assert reloaded.get("chexpert", "Edema", 0.0) == ["No edema at all."]
