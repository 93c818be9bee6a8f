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
from train_fixtures import ImageOnlyTinyVLP, RecordingTinyVLP, tiny_config

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


def _share_on_rank(rank: int, init_file: str, out_dir: str) -> None:
    import torch.distributed as dist
    from train_fixtures import tiny_tokenizer

    from medvlp.models import create_text_encoder
    from medvlp.training.module import share_seen_tokens

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=2)
    try:
        tower = create_text_encoder("tiny_bert", tokenizer=tiny_tokenizer(), drop_unseen_tokens=True).train()
        tower(**tower.tokenize(["effusion left"] if rank == 0 else ["nodule right"]))
        share_seen_tokens(tower)
        assert tower.seen_tokens is not None
        torch.save(tower.seen_tokens, Path(out_dir) / f"seen{rank}.pt")
    finally:
        dist.destroy_process_group()


def test_seen_tokens_are_the_union_over_ranks(tmp_path: Path) -> None:
    """DDP broadcasts buffers from rank 0; the per-step union keeps the tokens only rank 1 read."""
    import sys

    import torch.multiprocessing as mp

    sys.path.insert(0, str(Path(__file__).parent))  # spawned ranks import the fixtures module
    mp.spawn(_share_on_rank, args=(str(tmp_path / "init"), str(tmp_path)), nprocs=2, join=True)
    from train_fixtures import tiny_tokenizer

    tok = tiny_tokenizer()
    seen = [torch.load(tmp_path / f"seen{r}.pt") for r in (0, 1)]
    torch.testing.assert_close(seen[0], seen[1])
    ids = tok.convert_tokens_to_ids(["effusion", "left", "nodule", "right", "edema"])
    assert seen[0][ids].tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]


def test_two_process_ddp_run_of_an_image_only_objective(shard_root: Path, tmp_path: Path) -> None:
    """The supervised baseline reads no text: under DDP the parameters it never uses (text tower, temperature)
    must not leave the gradient reducer waiting."""
    from medvlp.knowledge.findings import CHEXPERT

    torch.manual_seed(0)
    run_dir = tmp_path / "run"
    cfg = tiny_config(shard_root, run_dir, "trainer.strategy=ddp_spawn", "trainer.devices=2", "trainer.max_steps=3",
                      "data.batch_size=8", "trainer.val_check_interval=3", "trainer.checkpoint_every_n_steps=3",
                      "objective.infonce.weight=0", "objective.sup.loss=supervised_bce",
                      f"objective.sup.kwargs={{embed_dim: 16, n_labels: {len(CHEXPERT.labels)}}}")
    export = run_pretrain(cfg, model=ImageOnlyTinyVLP())
    assert (export / "model.safetensors").is_file()
    losses = column(read_metrics(run_dir), "train/loss")
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
