"""The training split's shard members, read once per run for corpus-level fits (tokenizer, sentence bank)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from medvlp.data.shards import CorruptShardError, iter_tar_samples, shard_files
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def split_members(root: Path, split: str, purpose: str) -> Iterator[tuple[str, str, dict[str, bytes]]]:
    """``(shard name, sample key, members)`` of every sample of ``split``; a corrupt shard is skipped with a
    warning naming ``purpose`` (the training stream itself reports and counts it)."""
    for shard in shard_files(root / "shards", split):
        try:
            for key, members in iter_tar_samples(shard):
                yield shard.name, key, members
        except CorruptShardError as exc:
            log.warning("%s: skipping %s", purpose, exc)
