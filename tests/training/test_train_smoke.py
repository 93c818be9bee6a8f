"""Few-step Lightning runs on tiny data: the loss goes down, monitoring and outputs are written."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
import torch
from train_fixtures import TinyVLP, tiny_config

from medvlp.config import load_config, to_dict
from medvlp.errors import ConfigError
from medvlp.training import PretrainConfig, run_pretrain


def read_metrics(run_dir: Path) -> list[dict[str, str]]:
    with open(run_dir / "csv" / "metrics.csv") as fh:
        return list(csv.DictReader(fh))


def column(rows: list[dict[str, str]], name: str) -> list[float]:
    return [float(r[name]) for r in rows if r.get(name) not in (None, "")]


def test_loss_goes_down_and_run_outputs_are_written(shard_root: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    run_dir = tmp_path / "run"
    cfg = tiny_config(shard_root, run_dir, "objective.infonce.weight=1.0",
                      "objective.soft_targets.weight=0.5", "optim.ema_decay=0.9")
    export = run_pretrain(cfg, model=TinyVLP())
    rows = read_metrics(run_dir)
    losses = column(rows, "train/loss")
    assert len(losses) == 30 and all(math.isfinite(v) for v in losses)
    assert sum(losses[-5:]) / 5 < 0.7 * sum(losses[:5]) / 5
    for name in ("train/infonce/i2t", "train/soft_targets/loss", "train/acc_i2t", "train/rankme_image",
                 "train/rankme_text", "train/temperature", "lr-AdamW/decay", "val/loss", "val/acc_t2i"):
        assert column(rows, name), name
    # 4 classes in a batch of 16: a pair is only identifiable up to its class, so 1/4 is the ceiling
    # and 1/16 is chance
    assert sum(column(rows, "train/acc_i2t")[-5:]) / 5 > 2 / 16
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    saved = load_config(PretrainConfig, run_dir / "config.yaml")
    assert to_dict(saved) == to_dict(cfg)
    assert (export / "model.safetensors").is_file() and (export / "card.json").is_file()


def test_bf16_mixed_precision_and_accumulation_run_on_cpu(shard_root: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    cfg = tiny_config(shard_root, tmp_path / "run", "trainer.precision=bf16-mixed", "trainer.max_steps=4",
                      "trainer.accumulate_grad_batches=2", "trainer.val_check_interval=100")
    run_pretrain(cfg, model=TinyVLP())
    losses = column(read_metrics(tmp_path / "run"), "train/loss")
    assert losses and all(math.isfinite(v) for v in losses)


def test_config_error_is_reported_before_data_is_read(tmp_path: Path) -> None:
    from medvlp.cli.main import main

    (tmp_path / "shards").mkdir()
    (tmp_path / "shards" / "train-000000.tar").write_bytes(b"garbage that would fail if read")
    assert main(["pretrain", "--config", "configs/pretrain/cxr_tiny_cpu.yaml", f"data.root={tmp_path}",
                 f"run_dir={tmp_path / 'run'}", "objective.no_such_loss.weight=1"]) == 2
    assert not (tmp_path / "run").exists()
    # the label-pair objective without the model's pair texts: also caught before any data is read
    assert main(["pretrain", "--config", "configs/pretrain/cxr_tiny_cpu.yaml", f"data.root={tmp_path}",
                 f"run_dir={tmp_path / 'run'}", "objective.finding_pairs.weight=1",
                 'model.overrides={"finding_pairs.enabled": false}']) == 2
    assert not (tmp_path / "run").exists()
    assert main(["pretrain", "--config", "configs/pretrain/cxr_tiny_cpu.yaml", f"data.root={tmp_path}",
                 "--dry-run"]) == 0


@pytest.mark.parametrize("name", ["cxr_tiny_cpu", "ct_slicepool_tiny_cpu", "cxr_resnet50", "ct_slicepool",
                                  "ct_native3d", "ct_supervised_tiny_cpu"])
def test_shipped_configs_validate(name: str, tmp_path: Path) -> None:
    from medvlp.training.run import build_objective, validate

    (tmp_path / "shards").mkdir()
    cfg = load_config(PretrainConfig, Path("configs/pretrain") / f"{name}.yaml", [f"data.root={tmp_path}"])
    validate(cfg)
    assert len(build_objective(cfg).terms) >= 1


def test_a_wall_clock_budget_stops_training_early_and_still_exports(shard_root: Path, tmp_path: Path) -> None:
    """``trainer.max_time_s``: the run stops after the step that crosses the budget, checkpointed and exported."""
    torch.manual_seed(0)
    cfg = tiny_config(shard_root, tmp_path / "run", "trainer.max_time_s=0.001", "trainer.val_check_interval=100")
    export = run_pretrain(cfg, model=TinyVLP())
    steps = column(read_metrics(tmp_path / "run"), "step")
    assert steps and max(steps) < cfg.trainer.max_steps - 1
    assert torch.load(tmp_path / "run" / "checkpoints" / "last.ckpt", weights_only=False)["global_step"] < cfg.trainer.max_steps
    assert (export / "model.safetensors").is_file()


def test_a_non_positive_budget_is_a_config_error(shard_root: Path, tmp_path: Path) -> None:
    from medvlp.training.run import validate

    with pytest.raises(ConfigError, match="max_time_s"):
        validate(tiny_config(shard_root, tmp_path / "run", "trainer.max_time_s=0"))
