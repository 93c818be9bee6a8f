"""Pack cached study results into split shards deterministically (studies in source order)."""

from __future__ import annotations

from pathlib import Path

from medvlp.data.shards import SHARD_PATTERN, write_tar
from medvlp.ingest.process import StudyResult


def plan_shards(
    results: list[StudyResult], max_samples: int, max_bytes: int
) -> dict[str, list[tuple[str, dict[str, bytes]]]]:
    """``{shard file name: samples}``; a shard closes at ``max_samples`` samples or ``max_bytes``."""
    shards: dict[str, list[tuple[str, dict[str, bytes]]]] = {}
    current: dict[str, tuple[str, int]] = {}  # split -> (open shard name, its bytes)
    counters: dict[str, int] = {}
    for result in results:
        for key, members in result.samples:
            size = sum(len(v) for v in members.values())
            name, used = current.get(result.split, ("", 0))
            if not name or len(shards[name]) >= max_samples or (used + size > max_bytes and shards[name]):
                index = counters.get(result.split, 0)
                counters[result.split] = index + 1
                name, used = SHARD_PATTERN.format(split=result.split, index=index), 0
                shards[name] = []
            shards[name].append((key, members))
            current[result.split] = (name, used + size)
    return shards


def write_shards(shards: dict[str, list[tuple[str, dict[str, bytes]]]], shard_dir: str | Path) -> None:
    """Write every planned shard atomically and delete stale shards from earlier runs."""
    shard_dir = Path(shard_dir)
    shard_dir.mkdir(parents=True, exist_ok=True)
    for name, samples in sorted(shards.items()):
        write_tar(shard_dir / name, samples)
    for old in shard_dir.glob("*.tar"):
        if old.name not in shards:
            old.unlink()
