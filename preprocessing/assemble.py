"""Last step of every adapter: apply fixed split lists if given, then build the manifest frame."""

from __future__ import annotations

from pathlib import Path

from medvlp.knowledge.findings import LabelSet
from medvlp.utils.logging import get_logger
from preprocessing.common import Row, build_frame
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.splits import apply_split_lists, read_split_lists

log = get_logger(__name__)


def assemble(
    dataset: str,
    label_set: LabelSet,
    rows: list[Row],
    skipped: list[Skip],
    root: Path,
    split_file: Path | None,
) -> SourceManifest:
    """Rows + skips -> :class:`SourceManifest`; ``split_file`` (BenchX lists) overrides splits."""
    if split_file is not None:
        rows, split_skips = apply_split_lists(rows, read_split_lists(split_file), root)
        skipped = [*skipped, *split_skips]
    if skipped:
        log.warning(
            "%s: %d rows kept, %d skipped (first: %s: %s)",
            dataset,
            len(rows),
            len(skipped),
            skipped[0].path,
            skipped[0].reason,
        )
    return SourceManifest(
        dataset=dataset,
        label_set=label_set,
        root=root,
        rows=build_frame(rows, label_set),
        skipped=list(skipped),
    )
