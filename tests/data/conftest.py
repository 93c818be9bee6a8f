"""Data-layer test fixtures: small ingest-format shard folders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.data.splits import Splits
from medvlp.knowledge.findings import CHEXPERT


def make_shards(root: Path, n_train: int = 10, per_shard: int = 3, n_test: int = 2) -> list[str]:
    """Train/test shards of 2D samples; study i has 'Cardiomegaly' = i % 2 (others not mentioned)."""
    keys_ = []
    for split, n in (("train", n_train), ("test", n_test)):
        samples = []
        for i in range(n):
            key = f"{split}{i:03d}"
            meta = {"patient_id": f"patient-{split}{i}", "study_id": f"study-{split}{i}", "modality": "CR",
                    "split": split, "spacing": [1.0, 1.0], "label_set": "chexpert",
                    "labels": {"Cardiomegaly": float(i % 2), "Edema": None}, "sentences": [f"s{i}."],
                    "sections": {"findings": f"s{i}."}, "pixel_dtype": "uint8", "source_index": i}
            pixels = np.full((8, 6), (i * 20) % 256, np.uint8)
            samples.append((key, {"npy": npy_bytes(pixels), "json": json_bytes(meta), "txt": f"s{i}.".encode()}))
            keys_.append(key)
        for j in range(0, n, per_shard):
            write_tar(root / "shards" / f"{split}-{j // per_shard:06d}.tar", samples[j:j + per_shard])
    splits = Splits(fractions={"0.5": [f"study-train{i}" for i in range(0, n_train, 2)]})
    (root / "splits.json").write_text(splits.to_json())
    assert "Cardiomegaly" in CHEXPERT.labels
    return keys_


@pytest.fixture
def shard_root(tmp_path: Path) -> tuple[Path, list[str]]:
    """(root, sample keys) of a fresh shard folder: 10 train samples in 4 shards, 2 test samples."""
    return tmp_path, make_shards(tmp_path)
