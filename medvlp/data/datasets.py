"""Datasets over ingest shards: an iterable one for training and a map-style one for evaluation.

Both yield the sample dicts of :mod:`medvlp.keys` (see :mod:`medvlp.data.decode`), optionally
restricted to one split and to a label-fraction subset from ``splits.json``. Corrupt samples or
shards are skipped and counted (logged), never replaced by zero tensors.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from medvlp import keys
from medvlp.data.decode import decode_sample
from medvlp.data.shards import MASK_MEMBER, CorruptShardError, index_tar, iter_tar_samples, shard_files
from medvlp.data.splits import Splits
from medvlp.errors import InputError
from medvlp.utils.logging import get_logger

log = get_logger(__name__)
Transform = Callable[[dict[str, Any]], dict[str, Any]]


def _study_filter(root: Path, split: str | None, fraction: float | str | None) -> set[str] | None:
    if fraction is None:
        return None
    if split not in (None, "train"):
        raise InputError(root, f"label fractions are subsets of train, not of {split!r}")
    subset = Splits.load(root / "splits.json").subset(fraction)
    return subset


def _rank_world() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def spatial_dims(members: dict[str, bytes]) -> int | None:
    """2 or 3 from a sample's JSON member (length of its ``spacing``), None if unreadable."""
    try:
        return len(json.loads(members["json"])["spacing"])
    except (KeyError, ValueError, TypeError):
        return None


def _keep(members: dict[str, bytes], studies: set[str] | None, modalities: set[str] | None,
          dims: int | None = None) -> bool:
    """Filter on the small JSON member before decoding pixels."""
    if studies is None and modalities is None and dims is None:
        return True
    try:
        meta = json.loads(members["json"])
        return (studies is None or meta["study_id"] in studies) and (
            modalities is None or meta["modality"] in modalities) and (
            dims is None or len(meta["spacing"]) == dims)
    except (KeyError, ValueError, TypeError):
        return True  # let decode_sample report it as corrupt


def iter_reader_samples(
    shards: list[Path],
    reader: int,
    n_readers: int,
    keep: Callable[[dict[str, bytes]], bool],
    on_corrupt: Callable[[CorruptShardError], None],
) -> Iterator[tuple[Path, dict[str, Any]]]:
    """``(shard, decoded sample)`` for the samples that belong to ``reader`` of ``n_readers`` (ranks x workers).

    With at least as many shards as readers, shards are dealt round-robin; otherwise every reader
    scans all shards and keeps every n-th sample, so no sample is duplicated or lost either way.
    ``keep`` filters on the raw members before decoding pixels; corrupt shards and samples go to
    ``on_corrupt`` and are skipped, never replaced.
    """
    by_shard = len(shards) >= n_readers
    index = 0
    for shard in shards[reader::n_readers] if by_shard else shards:
        try:
            for key, members in iter_tar_samples(shard):
                index += 1
                if not by_shard and (index - 1) % n_readers != reader:
                    continue
                if not keep(members):
                    continue
                try:
                    sample = decode_sample(key, members, str(shard))
                except CorruptShardError as exc:
                    on_corrupt(exc)
                    continue
                yield shard, sample
        except CorruptShardError as exc:
            on_corrupt(exc)


class ShardDataset(IterableDataset):
    """Iterate samples of ``root/shards/<split>-*.tar``; each (rank, worker) reads a disjoint part.

    ``modalities`` (e.g. ``{"CR", "DX"}``) keeps only those samples, ``dims`` (2 or 3) only images of
    that dimensionality (a 2D job on a mixed radiograph + CT ingest).

    With at least as many shards as readers, shards are dealt round-robin; otherwise every reader
    scans all shards and keeps every n-th sample, so no sample is duplicated or lost either way.
    """

    def __init__(
        self,
        root: str | Path,
        split: str | None = "train",
        label_fraction: float | str | None = None,
        transform: Transform | None = None,
        shuffle_shards: bool = False,
        seed: int = 0,
        rank: int | None = None,
        world_size: int | None = None,
        modalities: set[str] | None = None,
        dims: int | None = None,
    ) -> None:
        self.root = Path(root)
        self.modalities, self.dims = modalities, dims
        self.shards = shard_files(self.root / "shards", split)
        if not self.shards:
            raise InputError(self.root / "shards", f"no shards for split {split!r}")
        self.studies = _study_filter(self.root, split, label_fraction)
        self.transform = transform
        self.shuffle_shards, self.seed, self.epoch = shuffle_shards, seed, 0
        self.rank, self.world_size = rank, world_size
        self.skipped = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _reader(self) -> tuple[int, int]:
        rank, world = _rank_world()
        rank = self.rank if self.rank is not None else rank
        world = self.world_size if self.world_size is not None else world
        info = get_worker_info()
        n_workers, worker = (info.num_workers, info.id) if info else (1, 0)
        return rank * n_workers + worker, world * n_workers

    def __iter__(self) -> Iterator[dict[str, Any]]:
        reader, n_readers = self._reader()
        shards = list(self.shards)
        if self.shuffle_shards:
            random.Random(self.seed * 100003 + self.epoch).shuffle(shards)
        keep = partial(_keep, studies=self.studies, modalities=self.modalities, dims=self.dims)
        for _, sample in iter_reader_samples(shards, reader, n_readers, keep, self._skip):
            yield self.transform(sample) if self.transform else sample
        if self.skipped:
            log.warning("skipped %d corrupt sample(s)/shard(s) under %s", self.skipped, self.root)

    def _skip(self, exc: CorruptShardError) -> None:
        self.skipped += 1
        log.warning("skipping corrupt data: %s", exc)


def decode_mask(key: str, data: bytes, source: str) -> torch.Tensor:
    """``<key>.mask.npy`` bytes -> ``uint8 [H, W]`` tensor; CorruptShardError naming ``source``."""
    try:
        mask = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise CorruptShardError(source, f"sample {key!r}: unreadable mask: {exc}") from exc
    if mask.ndim != 2 or mask.dtype != np.uint8:
        raise CorruptShardError(source, f"sample {key!r}: mask must be uint8 [H, W], got {mask.dtype} {mask.shape}")
    return torch.from_numpy(mask)


class ShardMapDataset(Dataset):
    """Random access to every sample of a split (evaluation); corrupt shards are skipped and counted.

    Segmentation masks (``<key>.mask.npy``, written by ingest when an image has one) are decoded into
    ``keys.SEG_MASK`` unless ``masks=False``. The training stream (:class:`ShardDataset`) ignores them.
    """

    def __init__(
        self,
        root: str | Path,
        split: str | None = "test",
        label_fraction: float | str | None = None,
        transform: Transform | None = None,
        masks: bool = True,
    ) -> None:
        self.root = Path(root)
        self.transform = transform
        self.masks = masks
        self.skipped = 0
        studies = _study_filter(self.root, split, label_fraction)
        self.items: list[tuple[Path, str, dict[str, tuple[int, int]]]] = []
        for shard in shard_files(self.root / "shards", split):
            try:
                entries = index_tar(shard)
            except CorruptShardError as exc:
                self.skipped += 1
                log.warning("skipping corrupt shard: %s", exc)
                continue
            for key, members in entries:
                if studies is None or self._study(shard, members) in studies:
                    self.items.append((shard, key, members))
        if not self.items:
            raise InputError(self.root / "shards", f"no readable samples for split {split!r}")

    @staticmethod
    def _read(shard: Path, members: dict[str, tuple[int, int]], exts: tuple[str, ...] | None = None) -> dict[str, bytes]:
        out = {}
        with open(shard, "rb") as fh:
            for ext, (offset, size) in members.items():
                if exts is None or ext in exts:
                    fh.seek(offset)
                    out[ext] = fh.read(size)
        return out

    def _study(self, shard: Path, members: dict[str, tuple[int, int]]) -> str | None:
        try:
            return json.loads(self._read(shard, members, ("json",))["json"])["study_id"]
        except (KeyError, ValueError):
            return None

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, Any]:
        """The decoded sample; with ``masks`` on, samples stored with a segmentation mask also carry
        ``keys.SEG_MASK`` (``uint8 [H, W]``, on the image's grid)."""
        shard, key, members = self.items[index]
        raw = self._read(shard, members)
        sample = decode_sample(key, raw, str(shard))
        if self.masks and MASK_MEMBER in raw:
            sample[keys.SEG_MASK] = decode_mask(key, raw[MASK_MEMBER], str(shard))
        return self.transform(sample) if self.transform else sample
