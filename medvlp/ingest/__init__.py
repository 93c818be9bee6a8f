"""Hospital-side batch ingest: raw exports -> de-identified, resumable, sharded training data.

``run_ingest(source, out_dir, cfg)`` (CLI: ``medvlp ingest SOURCE OUT_DIR``) walks SOURCE, links
images to reports (report.txt beside a study, a report table keyed by accession number / study UID /
study folder key, or a source manifest CSV), de-identifies headers and report text, labels reports,
preprocesses deterministically and writes WebDataset shards, ``splits.json`` and ``manifest.parquet``
(one row per input file). See docs/architecture.md, "Shards".

PHI: the pseudonym secret comes from ``MEDVLP_PSEUDONYM_SECRET`` / ``MEDVLP_PSEUDONYM_SECRET_FILE`` and
is never written. Manifest paths are relative to SOURCE: hospitals must not use identifiers in
folder or file names, or must set ``record_paths: hashed``.
"""

from __future__ import annotations

from typing import Any

from medvlp.ingest.config import IngestConfig
from medvlp.ingest.source_manifest import SourceRow, read_source_manifest, write_source_manifest


def __getattr__(name: str) -> Any:
    # the pipeline pulls in torch/MONAI; keep `import medvlp.ingest.source_manifest` light for adapters
    if name in ("run_ingest", "IngestReport"):
        from medvlp.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'medvlp.ingest' has no attribute {name!r}")

__all__ = ["IngestConfig", "IngestReport", "SourceRow", "read_source_manifest", "run_ingest", "write_source_manifest"]
