from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np
import pytest
from torch.utils.data import DataLoader
from train_fixtures import sample_members, write_tiny_shards

from medvlp import keys
from medvlp.data.shards import write_tar
from medvlp.errors import InputError
from medvlp.training.stream import PretrainStream, worker_batches_before


class _Identity:
    """Transform factory keeping samples as decoded (records the per-sample seed)."""

    def __call__(self, reader: int):
        def apply(sample: dict, seed: int) -> dict:
            return {**sample, "seed": seed}
        return apply


def _collate_keys(samples: list[dict]) -> list[tuple[str, int]]:
    return [(s[keys.KEY], s["seed"]) for s in samples]


def _batches(stream: PretrainStream, n: int, workers: int) -> list[list[tuple[str, int]]]:
    loader = DataLoader(stream, batch_size=stream.batch_size, num_workers=workers, collate_fn=_collate_keys)
    return list(itertools.islice(iter(loader), n))


def test_worker_batches_before_matches_round_robin() -> None:
    for start in range(10):
        for workers in (1, 2, 3):
            served = [b % workers for b in range(start)]
            assert [worker_batches_before(start, w, workers) for w in range(workers)] == [
                served.count(w) for w in range(workers)]


def test_one_pass_has_no_duplicates_across_ranks_and_workers(tmp_path: Path) -> None:
    shards = write_tiny_shards(tmp_path, n_samples=48, n_shards=4)
    seen: list[str] = []
    for rank in range(2):
        stream = PretrainStream(shards, _Identity(), batch_size=4, rank=rank, world_size=2, shuffle_buffer=8)
        # 48 samples / 2 ranks = 24 per rank = 6 batches of 4 in one pass
        seen += [k for batch in _batches(stream, 6, workers=2) for k, _ in batch]
    assert len(seen) == 48 and len(set(seen)) == 48


def test_sample_level_split_when_fewer_shards_than_readers(tmp_path: Path) -> None:
    shards = write_tiny_shards(tmp_path, n_samples=24, n_shards=1)
    seen = []
    for rank in range(3):
        stream = PretrainStream(shards, _Identity(), batch_size=4, rank=rank, world_size=3)
        seen += [k for batch in _batches(stream, 2, workers=0) for k, _ in batch]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 24


@pytest.mark.parametrize("workers", [0, 2])
def test_resumed_stream_continues_with_the_same_batches(tmp_path: Path, workers: int) -> None:
    shards = write_tiny_shards(tmp_path, n_samples=40, n_shards=4)
    full = _batches(PretrainStream(shards, _Identity(), batch_size=4, seed=3), 14, workers)
    for start in (1, 5, 10):  # crosses a pass boundary (10 batches per pass)
        resumed = _batches(PretrainStream(shards, _Identity(), batch_size=4, seed=3, start_batch=start),
                           14 - start, workers)
        assert resumed == full[start:], start


def test_passes_reshuffle(tmp_path: Path) -> None:
    shards = write_tiny_shards(tmp_path, n_samples=16, n_shards=2)
    batches = _batches(PretrainStream(shards, _Identity(), batch_size=16, seed=0), 2, 0)
    assert sorted(batches[0]) != batches[0] or batches[0] != batches[1]
    assert sorted(k for k, _ in batches[0]) == sorted(k for k, _ in batches[1])


def test_bad_input_is_skipped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shards = write_tiny_shards(tmp_path, n_samples=8, n_shards=1)
    rng = np.random.default_rng(0)
    bad_image = sample_members(100, rng)
    bad_image["npy"] = b"not an npy file"
    empty_report = sample_members(101, rng, report="   ")
    write_tar(tmp_path / "shards" / "train-000001.tar", [("bad00100", bad_image), ("bad00101", empty_report),
                                                         ("ok00102", sample_members(102, rng))])
    truncated = tmp_path / "shards" / "train-000002.tar"
    write_tar(truncated, [("cut00103", sample_members(103, rng))])
    truncated.write_bytes(truncated.read_bytes()[:700])
    stream = PretrainStream([*shards, tmp_path / "shards" / "train-000001.tar", truncated], _Identity(),
                            batch_size=9, shuffle_buffer=1)
    with caplog.at_level(logging.WARNING):
        batch = _batches(stream, 1, workers=0)[0]
    names = {k for k, _ in batch}
    assert "ok00102" in names and not names & {"bad00100", "bad00101", "cut00103"}
    text = caplog.text
    assert "empty report" in text and "bad00100" in text and "train-000002.tar" in text


def test_stream_without_usable_sample_raises_typed_error(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "train-000000.tar"
    write_tar(path, [("e00001", sample_members(1, rng, report=""))])
    with pytest.raises(InputError, match="no usable sample"):
        _batches(PretrainStream([path], _Identity(), batch_size=2), 1, workers=0)
