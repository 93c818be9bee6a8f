"""Training loop: early stopping bookkeeping, encoder fine-tuning on/off, and learning from images."""

from __future__ import annotations

import pytest
import torch
from rg_fixtures import make_split
from torch import nn

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.report_generation.features import group_studies
from medvlp.evaluation.report_generation.scoring import score_reports
from medvlp.evaluation.report_generation.train import (
    GenerationConfig,
    StudySource,
    fit_report_generator,
    generate,
)

SMALL = GenerationConfig(d_model=32, layers=1, heads=4, ff_dim=64, memory_slots=2, epochs=4, patience=10,
                         batch_size=8, lr=1e-3, min_word_count=1, max_length=20, beam_size=2)


class PatchMeans(nn.Module):
    """``[B, 1, 16, 16]`` -> ``[B, 16, 1]`` mean of each 4x4 patch: a fixed encoder that sees the findings."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return nn.functional.avg_pool2d(images, 4).flatten(2).transpose(1, 2) * self.scale


def sources(split: EvalSplit, token_fn: nn.Module, finetune: bool = False) -> StudySource:
    studies = group_studies(split.studies, split.reports)
    if finetune:
        return StudySource(studies, images=split.images, token_fn=token_fn)
    return StudySource.frozen(token_fn, split.images, studies)


def test_history_and_best_epoch(splits: dict[str, EvalSplit]) -> None:
    enc = PatchMeans()
    fit = fit_report_generator(sources(splits["train"], enc), sources(splits["valid"], enc), 1, SMALL, seed=0)
    assert len(fit.history) == 4
    best = max(h["valid_bleu_4"] for h in fit.history)
    assert fit.best_valid_bleu_4 == best and fit.history[fit.best_epoch]["valid_bleu_4"] == best
    assert fit.history[-1]["train_loss"] < fit.history[0]["train_loss"]


def test_same_seed_same_reports(splits: dict[str, EvalSplit]) -> None:
    enc = PatchMeans()
    config = GenerationConfig(**{**SMALL.__dict__, "epochs": 1})
    runs = [fit_report_generator(sources(splits["train"], enc), sources(splits["valid"], enc), 1, config, seed=3)
            for _ in range(2)]
    test = sources(splits["test"], enc)
    assert generate(runs[0].decoder, runs[0].vocab, test, config) == generate(runs[1].decoder, runs[1].vocab, test, config)


@pytest.mark.parametrize("finetune", [False, True])
def test_encoder_trains_only_when_fine_tuning(splits: dict[str, EvalSplit], finetune: bool) -> None:
    enc = PatchMeans()
    config = GenerationConfig(**{**SMALL.__dict__, "epochs": 1, "finetune_encoder": finetune, "encoder_lr": 0.1})
    fit_report_generator(sources(splits["train"], enc, finetune), sources(splits["valid"], enc, finetune), 1,
                         config, seed=0, encoder=enc)
    assert (float(enc.scale.detach()) != 1.0) == finetune


@pytest.mark.slow
def test_image_informed_decoder_beats_image_blind_on_clinical_efficacy() -> None:
    """CE F1 must separate a decoder that reads the images from one fed noise tokens, although both
    write equally fluent template reports."""
    splits = {"train": make_split(96, 0), "valid": make_split(12, 1), "test": make_split(16, 2)}
    config = GenerationConfig(**{**SMALL.__dict__, "epochs": 20, "patience": 20, "batch_size": 16, "lr": 2e-3,
                                 "dropout": 0.0})
    seen = PatchMeans()
    gen = torch.Generator().manual_seed(0)

    def blind(images: torch.Tensor) -> torch.Tensor:
        return torch.randn(images.shape[0], 16, 1, generator=gen)

    f1 = {}
    for name, fn in (("informed", seen), ("blind", blind)):
        fit = fit_report_generator(sources(splits["train"], fn), sources(splits["valid"], fn), 1, config, seed=0)
        test = sources(splits["test"], fn)
        texts = generate(fit.decoder, fit.vocab, test, config)
        scores = score_reports([s.report for s in test.studies], texts, [s.study_id for s in test.studies],
                               n_resamples=0)
        f1[name] = scores.metrics["ce_micro_f1"]
    assert f1["informed"] > f1["blind"] + 0.2, f1
