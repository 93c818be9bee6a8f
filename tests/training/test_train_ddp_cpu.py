"""A real 2-process Lightning DDP run on CPU (gloo) through the training entry point ``run_pretrain``.

Checks: the run completes; the two ranks consumed disjoint training samples (per-rank sharding);
a Lightning checkpoint and the safetensors export exist; every logged loss is finite.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from test_train_smoke import column, read_metrics
from train_fixtures import RecordingTinyVLP, tiny_config

from medvlp.training import run_pretrain

pytestmark = pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(),
                                reason="torch.distributed with the gloo backend is not available")


def test_two_process_ddp_run_on_cpu(shard_root: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    run_dir, record = tmp_path / "run", tmp_path / "seen"
    record.mkdir()
    # 48 training samples in 4 shards, batch 8 per rank: 3 steps = 24 samples per rank in pass 0
    cfg = tiny_config(shard_root, run_dir, "trainer.strategy=ddp_spawn", "trainer.devices=2",
                      "trainer.max_steps=3", "data.batch_size=8", "trainer.val_check_interval=3",
                      "trainer.checkpoint_every_n_steps=3", "data.shuffle_buffer=4")
    export = run_pretrain(cfg, model=RecordingTinyVLP(record))
    seen = {r: (record / f"rank{r}.txt").read_text().split() for r in (0, 1)}
    assert len(seen[0]) == len(seen[1]) == 24
    for keys_of_rank in seen.values():
        assert len(set(keys_of_rank)) == len(keys_of_rank), "a rank saw a sample twice within one pass"
    assert not set(seen[0]) & set(seen[1]), "both ranks consumed the same sample"
    assert (run_dir / "checkpoints" / "last.ckpt").is_file()
    assert (export / "model.safetensors").is_file() and (export / "card.json").is_file()
    losses = column(read_metrics(run_dir), "train/loss")
    assert losses and all(math.isfinite(v) for v in losses)
