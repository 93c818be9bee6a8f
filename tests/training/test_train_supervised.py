"""The supervised baseline through the real training entry: weight-0 terms dropped, head exported."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from test_train_smoke import column, read_metrics
from train_fixtures import ImageOnlyTinyVLP, TinyVLP, tiny_config

from medvlp.config import load_config
from medvlp.errors import ConfigError
from medvlp.evaluation.supervised_head import head_scores, load_head
from medvlp.knowledge.findings import CHEXPERT
from medvlp.training import PretrainConfig, build_objective, run_pretrain


def test_supervised_run_exports_its_head(shard_root: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    run_dir = tmp_path / "run"
    k = len(CHEXPERT.labels)
    cfg = tiny_config(shard_root, run_dir, "objective.infonce.weight=0", "objective.sup.loss=supervised_bce",
                      f"objective.sup.kwargs={{embed_dim: 16, n_labels: {k}}}", "trainer.max_steps=10")
    assert list(build_objective(cfg).terms) == ["sup"]
    export = run_pretrain(cfg, model=TinyVLP())
    losses = column(read_metrics(run_dir), "train/loss")
    assert len(losses) == 10 and all(math.isfinite(v) for v in losses)
    assert column(read_metrics(run_dir), "train/sup/labelled_fraction")
    weight, bias = load_head(export)
    assert weight.shape == (k, 16) and bias.shape == (k,)
    scores = head_scores(np.random.default_rng(0).normal(size=(3, 16)), weight, bias)
    assert scores.shape == (3, k) and ((scores > 0) & (scores < 1)).all()


def test_all_terms_weight_zero_is_a_config_error(tmp_path: Path) -> None:
    cfg = load_config(PretrainConfig, None, ["objective.infonce.weight=0"])
    with pytest.raises(ConfigError, match="weight 0"):
        build_objective(cfg)


def test_shipped_supervised_config_builds_a_head_of_the_model_size() -> None:
    cfg = load_config(PretrainConfig, Path("configs/pretrain/ct_supervised_tiny_cpu.yaml"))
    base = load_config(PretrainConfig, Path("configs/pretrain/ct_slicepool_tiny_cpu.yaml"))
    from medvlp.training.run import model_embed_dim

    objective = build_objective(cfg)
    assert list(objective.terms) == ["supervised"]
    head = objective.terms["supervised"].head
    assert head.in_features == model_embed_dim(base) and head.out_features == 10
    assert cfg.data == base.data and cfg.trainer.max_steps == base.trainer.max_steps
    # the same model, less the finding-pair sentences no supervised term reads
    assert cfg.model.overrides.pop("finding_pairs.enabled") is False
    assert base.model.overrides.pop("finding_pairs.enabled") is True
    assert cfg.model == base.model


def test_a_supervised_image_objective_runs_only_the_image_tower(shard_root: Path, tmp_path: Path) -> None:
    k = len(CHEXPERT.labels)
    model = ImageOnlyTinyVLP()
    cfg = tiny_config(shard_root, tmp_path / "run", "objective.infonce.weight=0", "objective.sup.loss=supervised_bce",
                      f"objective.sup.kwargs={{embed_dim: 16, n_labels: {k}}}", "trainer.max_steps=4")
    assert not build_objective(cfg).reads_text
    text_before, image_before = model.embed.weight.detach().clone(), model.image[1].weight.detach().clone()
    run_pretrain(cfg, model=model)
    assert model.image_calls >= 4 and model.full_calls == 0
    # only the image side trains; the rest is frozen (no gradient reaches it, and DDP must not wait for one)
    assert not torch.equal(model.image[1].weight, image_before)
    assert torch.equal(model.embed.weight, text_before) and not model.embed.weight.requires_grad
    assert column(read_metrics(tmp_path / "run"), "train/rankme_image")  # monitors without the text side
    # on the text tower, or beside a contrastive term, the whole model runs
    text_cfg = tiny_config(shard_root, tmp_path / "run2", "objective.sup.loss=supervised_bce",
                           f"objective.sup.kwargs={{embed_dim: 16, n_labels: {k}, tower: text}}")
    assert build_objective(text_cfg).reads_text
    both = tiny_config(shard_root, tmp_path / "run3", "objective.infonce.weight=1.0", "objective.sup.loss=supervised_bce",
                       f"objective.sup.kwargs={{embed_dim: 16, n_labels: {k}}}")
    assert build_objective(both).reads_text
