from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from train_fixtures import tiny_tokenizer

from medvlp import keys
from medvlp.errors import ConfigError
from medvlp.training.augment import SampleAugmenter, augment_report
from medvlp.training.collate import PretrainCollate
from medvlp.training.config import AugmentSection, DataSection


def _sample_2d(seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    return {keys.KEY: "k", keys.IMAGE: torch.rand(1, 40, 48, generator=gen), keys.REPORT: "one. two. three.",
            keys.SENTENCES: ["one.", "two.", "three."], keys.LABELS: torch.tensor([1.0, math.nan])}


def test_2d_train_pipeline_shape_range_and_seed_determinism() -> None:
    augmenter = SampleAugmenter(DataSection(image_size=(32, 32)), train=True)
    a, b = augmenter(_sample_2d(), seed=5), augmenter(_sample_2d(), seed=5)
    c = augmenter(_sample_2d(), seed=6)
    assert a[keys.IMAGE].shape == (1, 32, 32) and type(a[keys.IMAGE]) is torch.Tensor
    assert 0.0 <= float(a[keys.IMAGE].min()) and float(a[keys.IMAGE].max()) <= 1.0
    assert torch.equal(a[keys.IMAGE], b[keys.IMAGE]) and a[keys.REPORT] == b[keys.REPORT]
    assert not torch.equal(a[keys.IMAGE], c[keys.IMAGE])


def test_disabled_augmentation_is_a_plain_resize_without_flip() -> None:
    off = AugmentSection(enabled=False)
    sample = _sample_2d()
    out = SampleAugmenter(DataSection(image_size=(40, 48), augment=off), train=True)(sample, seed=1)
    assert torch.allclose(out[keys.IMAGE], sample[keys.IMAGE]) and out[keys.REPORT] == sample[keys.REPORT]


def test_3d_pipeline_windows_samples_slices_and_resizes() -> None:
    volume = torch.linspace(-1200, 1200, 20 * 20 * 10).reshape(1, 20, 20, 10)
    cfg = DataSection(dims=3, image_size=(16, 16), n_slices=12, hu_center=0.0, hu_width=2000.0)
    for train in (True, False):
        out = SampleAugmenter(cfg, train=train)({keys.IMAGE: volume, keys.REPORT: "x"}, seed=0)
        assert out[keys.IMAGE].shape == (1, 16, 16, 12)
        assert out[keys.IMAGE_MASK].tolist() == [True] * 10 + [False] * 2
        assert 0.0 <= float(out[keys.IMAGE].min()) and float(out[keys.IMAGE].max()) <= 1.0


def test_sentence_shuffle_is_a_permutation_and_subsample_keeps_order() -> None:
    sample = {keys.REPORT: "a. b. c. d.", keys.SENTENCES: ["a.", "b.", "c.", "d."]}
    texts = {augment_report(sample, np.random.default_rng(s), True, None) for s in range(20)}
    assert len(texts) > 1 and all(sorted(t.split()) == ["a.", "b.", "c.", "d."] for t in texts)
    kept = augment_report(sample, np.random.default_rng(0), False, 2).split()
    assert len(kept) == 2 and kept == sorted(kept)
    assert augment_report({keys.REPORT: "whole", keys.SENTENCES: []}, np.random.default_rng(0), True, 1) == "whole"


def test_synonym_swap_rewrites_finding_mentions_in_training_only() -> None:
    sample = {**_sample_2d(), keys.REPORT: "No pneumothorax. Severe pulmonary edema.",
              keys.SENTENCES: ["No pneumothorax.", "Severe pulmonary edema."]}
    swap = AugmentSection(shuffle_sentences=False, synonym_swap=1.0)
    cfg = DataSection(image_size=(32, 32), augment=swap)
    texts = {SampleAugmenter(cfg, train=True)(sample, seed=s)[keys.REPORT] for s in range(10)}
    assert len(texts) > 3 and all(t.startswith("No ") for t in texts)
    assert SampleAugmenter(cfg, train=False)(sample, seed=0)[keys.REPORT] == sample[keys.REPORT]
    plain = DataSection(image_size=(32, 32), augment=AugmentSection(shuffle_sentences=False))
    assert SampleAugmenter(plain, train=True)(sample, seed=0)[keys.REPORT] == sample[keys.REPORT]


def test_nonce_words_are_inserted_in_training_only() -> None:
    sample = {**_sample_2d(), keys.REPORT: "No pneumothorax. Severe pulmonary edema.",
              keys.SENTENCES: ["No pneumothorax.", "Severe pulmonary edema."]}
    cfg = DataSection(image_size=(32, 32), augment=AugmentSection(shuffle_sentences=False, nonce_words=0.5))
    texts = [SampleAugmenter(cfg, train=True)(sample, seed=s)[keys.REPORT] for s in range(10)]
    assert sum(len(t.split()) > 5 for t in texts) >= 7
    assert SampleAugmenter(cfg, train=False)(sample, seed=0)[keys.REPORT] == sample[keys.REPORT]
    with pytest.raises(ConfigError, match="nonce_words"):
        AugmentSection(nonce_words=1.5)


def test_negation_swap_rewrites_negation_cues_in_training_only() -> None:
    sample = {**_sample_2d(), keys.REPORT: "No pneumothorax. Severe pulmonary edema.",
              keys.SENTENCES: ["No pneumothorax.", "Severe pulmonary edema."]}
    cfg = DataSection(image_size=(32, 32), augment=AugmentSection(shuffle_sentences=False, negation_swap=1.0))
    texts = {SampleAugmenter(cfg, train=True)(sample, seed=s)[keys.REPORT] for s in range(20)}
    assert len(texts) >= 4 and all(t.endswith(" pneumothorax. Severe pulmonary edema.") for t in texts)
    assert SampleAugmenter(cfg, train=False)(sample, seed=0)[keys.REPORT] == sample[keys.REPORT]
    with pytest.raises(ConfigError, match="negation_swap"):
        AugmentSection(negation_swap=-0.1)


def test_collate_tokenises_and_drops_unusable_samples() -> None:
    collate = PretrainCollate(tiny_tokenizer(), max_length=6)
    good = {keys.KEY: "a", keys.IMAGE: torch.rand(1, 4, 4), keys.REPORT: "small left effusion",
            keys.LABELS: torch.tensor([1.0, math.nan])}
    long = {**good, keys.KEY: "b", keys.REPORT: "no " * 20}
    empty = {**good, keys.KEY: "c", keys.REPORT: " "}
    nan_image = {**good, keys.KEY: "d", keys.IMAGE: torch.full((1, 4, 4), math.nan)}
    batch = collate([good, long, empty, nan_image])
    assert batch[keys.KEY] == ["a", "b"]
    assert batch[keys.IMAGE].shape == (2, 1, 4, 4) and batch[keys.LABELS].shape == (2, 2)
    assert batch[keys.INPUT_IDS].shape == (2, 6) and batch[keys.ATTENTION_MASK][0].tolist() == [1] * 5 + [0]
    assert collate([empty]) is None and collate.skips.counts == {"empty report": 2, "non-finite pixels": 1}


def test_3d_pipeline_and_collate_carry_the_sampled_slice_positions() -> None:
    cfg = DataSection(dims=3, image_size=[8, 8], n_slices=4)
    collate = PretrainCollate(tiny_tokenizer())
    positions = torch.arange(10, dtype=torch.float64) * 6.0 - 30.0  # ingest: one mm position per slice
    samples = []
    for i in range(2):
        volume = torch.arange(10.0).view(1, 1, 1, 10).expand(1, 12, 12, 10) * 100.0
        samples.append(SampleAugmenter(cfg, train=True)(
            {keys.KEY: f"v{i}", keys.IMAGE: volume, keys.REPORT: "small effusion",
             keys.SLICE_POSITIONS: positions}, seed=i))
    batch = collate(samples)
    assert batch[keys.SLICE_POSITIONS].shape == (2, 4)
    for sample, row in zip(samples, batch[keys.SLICE_POSITIONS], strict=True):
        assert row.tolist() == sample[keys.SLICE_POSITIONS].tolist()
        assert bool((row[1:] > row[:-1]).all()) and float(row.min()) >= -30.0 and float(row.max()) <= 24.0
    without = [{k: v for k, v in s.items() if k != keys.SLICE_POSITIONS} for s in samples]
    assert keys.SLICE_POSITIONS not in collate(without)  # one sample lacking them: the encoder's default


def test_a_volume_whose_positions_do_not_match_its_slices_is_skipped() -> None:
    from medvlp.training.stream import unusable_reason

    sample = {keys.IMAGE: torch.zeros(1, 4, 4, 6), keys.REPORT: "x", keys.SLICE_POSITIONS: torch.zeros(5)}
    assert unusable_reason(sample) == "slice positions do not match the volume"
    assert unusable_reason({**sample, keys.SLICE_POSITIONS: torch.zeros(0)}) is None


def test_collate_splits_reports_into_sentence_rows_for_a_sentence_unit_model() -> None:
    collate = PretrainCollate(tiny_tokenizer(), max_length=6, by_sentence=True)
    base = {keys.IMAGE: torch.rand(1, 4, 4)}
    batch = collate([{**base, keys.KEY: "a", keys.REPORT: "small left effusion. no edema."},
                     {**base, keys.KEY: "b", keys.REPORT: "large nodule"}])
    ids, mask = batch[keys.INPUT_IDS], batch[keys.ATTENTION_MASK]
    assert ids.shape[:2] == (2, 2) and mask.shape == ids.shape
    assert mask[1, 1].sum() == 0 and mask[0, 1].sum() > 0  # "b" has one sentence: its second row is padding
