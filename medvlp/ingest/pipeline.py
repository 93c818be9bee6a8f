"""``run_ingest``: SOURCE -> OUT_DIR/{shards/, splits.json, manifest.parquet, manifest.csv}.

Crash safety: every study result is cached atomically under ``OUT_DIR/.cache``; shards and
``splits.json`` are rebuilt deterministically from the cache; the manifest is written last, so its
presence marks a complete run. A rerun (same config and secret) only processes missing studies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medvlp import keys
from medvlp.data.manifest import write_manifest
from medvlp.data.splits import Splits, nested_label_fractions
from medvlp.errors import MedVLPError
from medvlp.ingest.cache import study_cache_key
from medvlp.ingest.config import IngestConfig, preprocessing_fingerprint
from medvlp.ingest.discover import discover
from medvlp.ingest.executor import run_dask, run_local
from medvlp.ingest.pack import plan_shards, write_shards
from medvlp.ingest.process import Context, StudyResult, cache_path, load_cached, recorded_path
from medvlp.io.deid import secret_from_env
from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger, progress

log = get_logger(__name__)
PIPELINE_VERSION = "2"  # 2: segmentation masks carried into the shards


@dataclass
class IngestReport:
    """What a run produced: the manifest rows (as written), sample and shard counts."""

    rows: list[dict[str, Any]]
    n_samples: int
    n_shards: int
    out_dir: Path


def _clean_temporaries(out: Path) -> None:
    """Remove temporary files a killed run left behind (atomic writes never leave final names)."""
    for tmp in out.rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)


def _merge_rows(files: list[Any], results: list[StudyResult], outcome: dict[int, tuple[str, str]],
                cfg: IngestConfig, secret: bytes) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    for result in results:
        for row in result.rows:
            rows.setdefault(row["source_index"], row)
    for f in files:
        if f.index not in rows:
            status, reason = outcome.get(f.index, ("error", "unaccounted"))
            rows[f.index] = {"source_index": f.index, "path": recorded_path(f.rel, cfg, secret), "status": status,
                             "reason": reason}
    if sorted(rows) != list(range(len(files))):
        raise MedVLPError("internal error: manifest rows do not cover every input exactly once")
    return [rows[i] for i in sorted(rows)]


def _splits(results: list[StudyResult], cfg: IngestConfig) -> Splits:
    splits = Splits(ratios=tuple(cfg.splits.ratios))  # type: ignore[arg-type]
    train: dict[str, dict[str, float | None]] = {}
    for r in results:
        if not r.samples:
            continue
        splits.studies[r.study_id] = r.split
        for row in r.rows:
            if row.get("status") == "ok":
                splits.patients[row["patient_id"]] = r.split
        if r.split == keys.TRAIN:
            train[r.study_id] = r.labels
    splits.fractions = nested_label_fractions(train, cfg.splits.label_fractions, cfg.splits.salt)
    return splits


def run_ingest(source: str | Path, out_dir: str | Path, cfg: IngestConfig, secret: bytes | None = None,
               client: Any = None) -> IngestReport:
    """Ingest SOURCE into OUT_DIR; identical output for any worker count, executor or resume."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clean_temporaries(out)
    secret = secret if secret is not None else secret_from_env()
    files, tasks, outcome = discover(source, cfg)
    fingerprint = preprocessing_fingerprint(cfg, PIPELINE_VERSION)
    ctx = Context(cfg, secret, str(out / ".cache"))
    keyed = [(t, study_cache_key(t, fingerprint, secret, cfg.cache_key)) for t in tasks]
    todo = [(t, k) for t, k in keyed if not cache_path(ctx.cache_dir, k).is_file()]
    log.info("%d inputs, %d studies, %d cached, %d to process", len(files), len(tasks), len(tasks) - len(todo), len(todo))
    if cfg.executor == "dask" or client is not None:
        stream = _dask_stream(todo, ctx, cfg, client)
    else:
        stream = run_local(todo, ctx, cfg.workers)
    for _ in progress(stream, total=len(todo), desc="ingest", unit="study"):
        pass
    results = [load_cached(cache_path(ctx.cache_dir, k)) for _, k in keyed]
    rows = _merge_rows(files, results, outcome, cfg, secret)
    shards = plan_shards(results, cfg.shard_max_samples, cfg.shard_max_bytes)
    shard_of = {key: name for name, samples in shards.items() for key, _ in samples}
    for row in rows:
        row["shard"] = shard_of.get(row.get("key") or "")
    write_shards(shards, out / "shards")
    atomic_write_text(out / "splits.json", _splits(results, cfg).to_json())
    write_manifest(rows, out)
    return IngestReport(rows, len(shard_of), len(shards), out)


def _dask_stream(todo: list[Any], ctx: Context, cfg: IngestConfig, client: Any) -> Any:
    if client is not None:
        yield from run_dask(todo, ctx, client)
        return
    from distributed import Client, LocalCluster

    cluster_args = {"address": cfg.dask_scheduler} if cfg.dask_scheduler else {}
    if cluster_args:
        with Client(**cluster_args) as own:
            yield from run_dask(todo, ctx, own)
    else:
        with LocalCluster(n_workers=max(1, cfg.workers), processes=True, host="127.0.0.1") as cluster, \
                Client(cluster) as own:
            yield from run_dask(todo, ctx, own)

