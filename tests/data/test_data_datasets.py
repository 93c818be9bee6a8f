from __future__ import annotations

import math

import pytest
import torch
from torch.utils.data import DataLoader

from medvlp import keys
from medvlp.data.datasets import ShardDataset, ShardMapDataset
from medvlp.data.shards import iter_tar_samples, write_tar
from medvlp.knowledge.findings import CHEXPERT


def _keys(ds) -> list[str]:  # type: ignore[no-untyped-def]
    return [s[keys.KEY] for s in ds]


def test_sample_dict_contract(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    sample = next(iter(ShardDataset(tmp_path, "train")))
    image = sample[keys.IMAGE]
    assert image.dtype == torch.float32 and image.shape == (1, 8, 6)
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    labels = sample[keys.LABELS]
    assert labels.shape == (len(CHEXPERT),) and labels.dtype == torch.float32
    assert labels[CHEXPERT.index("Cardiomegaly")] == 0.0
    assert math.isnan(float(labels[CHEXPERT.index("Edema")]))
    assert sample[keys.REPORT] == "s0." and sample[keys.SENTENCES] == ["s0."]
    assert sample[keys.PATIENT] == "patient-train0"


@pytest.mark.parametrize("world,workers", [(1, 2), (2, 1), (5, 2)])
def test_ranks_and_workers_partition_without_duplicates(shard_root, world, workers) -> None:  # type: ignore[no-untyped-def]
    tmp_path, all_keys = shard_root
    expected = [k for k in all_keys if k.startswith("train")]
    seen = []
    for rank in range(world):
        ds = ShardDataset(tmp_path, "train", rank=rank, world_size=world)
        loader = DataLoader(ds, batch_size=None, num_workers=workers)
        seen += [s[keys.KEY] for s in loader]
    assert sorted(seen) == sorted(expected)


def test_label_fraction_filter(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    got = _keys(ShardDataset(tmp_path, "train", label_fraction=0.5))
    assert sorted(got) == [f"train{i:03d}" for i in range(0, 10, 2)]


def test_corrupt_shard_and_sample_are_skipped_and_counted(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    (tmp_path / "shards" / "train-000001.tar").write_bytes(b"garbage" * 100)
    ds = ShardDataset(tmp_path, "train")
    got = _keys(ds)
    assert len(got) == 10 - 3 and ds.skipped == 1


def test_corrupt_sample_is_skipped_not_zeroed(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    shard = tmp_path / "shards" / "train-000000.tar"
    samples = list(iter_tar_samples(shard))
    samples[1][1]["npy"] = b"\x93NUMPY garbage"
    write_tar(shard, samples)
    ds = ShardDataset(tmp_path, "train")
    got = _keys(ds)
    assert "train001" not in got and len(got) == 9 and ds.skipped == 1


def test_map_dataset(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    ds = ShardMapDataset(tmp_path, "test")
    assert len(ds) == 2
    assert ds[1][keys.KEY] == "test001"
    assert float(ds[1][keys.IMAGE].max()) == pytest.approx(20 / 255)


def test_modality_filter(shard_root) -> None:  # type: ignore[no-untyped-def]
    tmp_path, _ = shard_root
    assert len(_keys(ShardDataset(tmp_path, "train", modalities={"CR"}))) == 10
    assert _keys(ShardDataset(tmp_path, "train", modalities={"CT"})) == []
