"""The run's sentence bank for finding-swap negatives, fitted once on the training split and reused on resume.

Saved as ``run_dir/sentence_bank.json`` before training starts, so a resumed run (and every DataLoader
worker) draws its swaps from exactly the same sentences as the uninterrupted run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from medvlp.errors import InputError
from medvlp.knowledge.finding_swap import SentenceBank
from medvlp.training.corpus import split_members
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def training_sentences(root: Path, split: str) -> Iterator[tuple[str, list[str]]]:
    """``(label_set, sentences)`` of every report of ``split`` (corrupt shards/samples skipped with a warning)."""
    for shard, key, members in split_members(root, split, "sentence bank"):
        try:
            meta = json.loads(members["json"].decode("utf-8"))
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            log.warning("sentence bank: skipping %s:%s (%s)", shard, key, type(exc).__name__)
            continue
        sentences = [s for s in meta.get("sentences") or [] if isinstance(s, str) and s.strip()]
        if sentences and meta.get("label_set"):
            yield str(meta["label_set"]), sentences


def fit_sentence_bank(root: Path, split: str, path: Path, cap: int = 64) -> SentenceBank:
    """Build (or reload from ``path``) the bank of one-finding sentences of the ``split`` reports."""
    if path.is_file():
        log.info("reusing the run's sentence bank from %s", path)
        return SentenceBank.load(path)
    bank = SentenceBank.build(training_sentences(root, split), cap=cap)
    if not bank.sentences:
        raise InputError(root / "shards", f"no report sentence in split {split!r} states a single finding "
                         "(finding swaps need some)")
    bank.save(path)
    counts = {ls: sum(len(v) for d in labels.values() for v in d.values()) for ls, labels in bank.sentences.items()}
    log.info("sentence bank: %s one-finding sentences -> %s", counts, path)
    return bank
