"""An endless, resumable training stream over the ingest shards.

Reads shards with the data layer (``medvlp.data.shards`` / ``decode``) and adds what training
needs on top of :class:`medvlp.data.datasets.ShardDataset`:

* passes repeat forever (training length is ``max_steps``), shard order reshuffled every pass;
* each (rank, worker) reads a disjoint part (whole shards when there are enough, else every n-th
  sample) so no sample is seen twice in a pass;
* a seeded shuffle buffer and per-sample augmentation seeds, so the stream is a pure function of
  (seed, pass, reader) and can be *resumed* after ``start_batch`` batches: each worker skips the
  samples it had produced and workers are renumbered so the DataLoader's round-robin order picks up
  exactly where it stopped;
* bad input (unreadable shard, sample whose image failed, empty report, non-finite pixels) is
  skipped and counted in the log, never replaced by zeros.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from medvlp import keys
from medvlp.data.datasets import iter_reader_samples, spatial_dims
from medvlp.errors import InputError
from medvlp.utils.logging import get_logger

log = get_logger(__name__)
Sample = dict[str, Any]


def worker_batches_before(start_batch: int, worker: int, n_workers: int) -> int:
    """How many of the first ``start_batch`` round-robin batches came from ``worker``."""
    return 0 if start_batch <= worker else (start_batch - worker + n_workers - 1) // n_workers


def unusable_reason(sample: Sample) -> str | None:
    """Why a decoded sample cannot train (empty report, non-finite pixels, slice positions that do not
    match its slices), or None."""
    if not str(sample.get(keys.REPORT) or "").strip():
        return "empty report"
    if not torch.isfinite(sample[keys.IMAGE]).all():
        return "non-finite pixels"
    positions = sample.get(keys.SLICE_POSITIONS)
    image = sample[keys.IMAGE]
    if image.ndim == 4 and positions is not None and 0 < len(positions) != image.shape[-1]:
        return "slice positions do not match the volume"
    return None


class SkipCounter:
    """Counts skipped inputs by reason and logs a running total (per process / worker)."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.counts: dict[str, int] = {}

    def skip(self, reason: str, detail: object) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        log.warning("%s: skipped (%s): %s; skipped so far: %s", self.where, reason, detail, self.counts)


class PretrainStream(IterableDataset):
    """Endless stream of augmented sample dicts; see the module docstring for the guarantees."""

    def __init__(self, shards: list[Path], transform: Callable[[int], Callable[[Sample, int], Sample]],
                 batch_size: int, seed: int = 0, rank: int = 0, world_size: int = 1,
                 shuffle_buffer: int = 128, start_batch: int = 0, dims: int | None = None) -> None:
        if not shards:
            raise InputError(None, "no training shards")
        self.shards, self.make_transform = list(shards), transform
        self.batch_size, self.seed, self.shuffle_buffer = batch_size, seed, shuffle_buffer
        self.rank, self.world_size, self.start_batch = rank, world_size, start_batch
        self.dims = dims  # keep only 2D or 3D samples of a mixed ingest (None: all)

    def _identity(self) -> tuple[int, int, int]:
        """(virtual worker id, workers per rank, samples to skip) for the calling worker."""
        info = get_worker_info()
        n_workers, worker = (info.num_workers, info.id) if info else (1, 0)
        virtual = (worker + self.start_batch) % n_workers  # continue the round-robin where it stopped
        skip = self.batch_size * worker_batches_before(self.start_batch, virtual, n_workers)
        return virtual, n_workers, skip

    def _decoded(self, pass_index: int, reader: int, n_readers: int, skips: SkipCounter) -> Iterator[Sample]:
        shards = list(self.shards)
        random.Random(f"{self.seed}/{pass_index}").shuffle(shards)

        def keep(members: dict[str, bytes]) -> bool:  # the other modality of a mixed ingest: not an error
            return self.dims is None or spatial_dims(members) in (self.dims, None)

        for shard, sample in iter_reader_samples(shards, reader, n_readers, keep,
                                                 lambda exc: skips.skip(exc.code, exc)):
            reason = unusable_reason(sample)
            if reason:
                skips.skip(reason, f"{shard}:{sample[keys.KEY]}")
                continue
            yield sample

    def _shuffled(self, samples: Iterator[Sample], rng: np.random.Generator) -> Iterator[Sample]:
        buffer: list[Sample] = []
        for sample in samples:
            buffer.append(sample)
            if len(buffer) >= self.shuffle_buffer:
                yield buffer.pop(int(rng.integers(len(buffer))))
        while buffer:
            yield buffer.pop(int(rng.integers(len(buffer))))

    def __iter__(self) -> Iterator[Sample]:
        virtual, n_workers, skip = self._identity()
        reader, n_readers = self.rank * n_workers + virtual, self.world_size * n_workers
        transform = self.make_transform(reader)
        skips = SkipCounter(f"train reader {reader}/{n_readers}")
        pass_index = 0
        while True:
            rng = np.random.default_rng([self.seed, pass_index, reader])
            produced = 0
            for sample in self._shuffled(self._decoded(pass_index, reader, n_readers, skips), rng):
                produced += 1
                if skip:
                    skip -= 1
                    continue
                sample_seed = zlib.crc32(f"{self.seed}/{pass_index}/{sample[keys.KEY]}".encode())
                yield transform(sample, sample_seed)
            if produced == 0:
                raise InputError(None, f"training reader {reader}/{n_readers} found no usable sample "
                                       f"in {len(self.shards)} shard(s) (skipped: {skips.counts})")
            pass_index += 1
