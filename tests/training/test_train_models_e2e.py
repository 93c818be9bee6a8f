"""End to end with the real model zoo: a few steps of ``run_pretrain`` on tiny 2D and 3D shards."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from train_fixtures import sample_members, tiny_config

from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.knowledge.findings import CT


def _ct_shards(root: Path, n: int = 8) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for i in range(n):
        volume = rng.integers(-1000, 400, size=(24, 24, 6 + i % 3)).astype(np.int16)
        labels = {name: None for name in CT.labels}
        labels[CT.labels[i % 3]] = 1
        meta = {"patient_id": f"p{i}", "study_id": f"s{i}", "modality": "CT", "split": "train", "label_set": "ct",
                "labels": labels, "sentences": [f"finding {i % 3}", "no effusion"], "spacing": [1.0, 1.0, 5.0]}
        samples.append((f"ct{i:04d}", {"npy": npy_bytes(volume), "json": json_bytes(meta),
                                       "txt": f"finding {i % 3}. no effusion.".encode()}))
    write_tar(root / "shards" / "train-000000.tar", samples)


def _cxr_shards(root: Path, n: int = 16) -> None:
    rng = np.random.default_rng(0)
    write_tar(root / "shards" / "train-000000.tar", [(f"cx{i:04d}", sample_members(i, rng)) for i in range(n)])


def test_cxr_tiny_trains_and_exports_a_loadable_checkpoint(tmp_path: Path) -> None:
    from medvlp.models import load_pretrained
    from medvlp.training import run_pretrain

    _cxr_shards(tmp_path / "data")
    torch.manual_seed(0)
    cfg = tiny_config(tmp_path / "data", tmp_path / "run", "model.name=cxr_tiny", "data.image_size=[64, 64]",
                      "data.batch_size=8", "trainer.max_steps=3", "data.val_split=null",
                      "optim.lr=0.001", "objective.local_alignment.weight=0.5", "objective.infonce.weight=1.0")
    export = run_pretrain(cfg)
    model = load_pretrained(export)
    emb = model.encode_text(["small left effusion"])
    assert emb.shape[0] == 1 and math.isclose(float(emb.detach().norm()), 1.0, rel_tol=1e-4)


def test_ct_slicepool_tiny_trains_on_volumes(tmp_path: Path) -> None:
    from medvlp.training import run_pretrain

    _ct_shards(tmp_path / "data")
    torch.manual_seed(0)
    cfg = tiny_config(tmp_path / "data", tmp_path / "run", "model.name=ct_slicepool_tiny", "data.dims=3",
                      "data.image_size=[32, 32]", "data.n_slices=8", "data.batch_size=4", "trainer.max_steps=2",
                      "data.val_split=null", "optim.lr=0.001")
    export = run_pretrain(cfg)
    assert (export / "model.safetensors").is_file()
