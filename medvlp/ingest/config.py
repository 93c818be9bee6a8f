"""Typed ingest configuration (``configs/ingest/*.yaml`` + dotted overrides)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

from medvlp.config import to_dict


@dataclass
class Preprocess2D:
    size: int = 512  # output is size x size: longest side resized to size, the other padded
    dtype: Literal["uint8", "uint16"] = "uint8"


@dataclass
class Preprocess3D:
    spacing: tuple[float, float, float] = (1.5, 1.5, 3.0)  # mm, RAS+ axes
    axcodes: str = "RAS"
    hu_min: float = -1024.0
    hu_max: float = 3071.0
    min_slices: int = 3  # fewer slices: a localizer/derived series, skipped


@dataclass
class SplitConfig:
    ratios: tuple[float, float, float] = (0.7, 0.1, 0.2)
    label_fractions: list[float] = field(default_factory=lambda: [0.01, 0.1, 1.0])
    use_official: bool = True  # a source manifest's `split` column wins over the hash
    salt: str = "medvlp-split-v1"


@dataclass
class IngestConfig:
    preprocess_2d: Preprocess2D = field(default_factory=Preprocess2D)
    preprocess_3d: Preprocess3D = field(default_factory=Preprocess3D)
    splits: SplitConfig = field(default_factory=SplitConfig)
    # Reports: report.txt beside studies always; a table (CSV/JSONL, relative to SOURCE) optionally.
    reports_table: str | None = "auto"  # "auto": reports.csv / reports.jsonl at SOURCE top level
    report_file_names: list[str] = field(default_factory=lambda: ["report.txt"])
    source_manifest: str | None = None  # a source-manifest CSV (relative to SOURCE or absolute)
    require_report: bool = True
    exclude: list[str] = field(default_factory=lambda: ["ground_truth.csv", "phi_ledger.csv", "summary.json"])
    record_paths: Literal["relative", "hashed"] = "relative"
    cache_key: Literal["mtime", "content"] = "mtime"
    shard_max_samples: int = 256
    shard_max_bytes: int = 1 << 30
    workers: int = 1
    executor: Literal["process", "dask"] = "process"
    dask_scheduler: str | None = None  # address of a running scheduler; None = LocalCluster


def preprocessing_fingerprint(cfg: IngestConfig, version: str) -> str:
    """Hash of everything that changes a study's cached result (not workers/executor/sharding)."""
    relevant = {
        "version": version,
        "p2d": to_dict(cfg.preprocess_2d),
        "p3d": to_dict(cfg.preprocess_3d),
        "splits": to_dict(cfg.splits),
        "require_report": cfg.require_report,
        "record_paths": cfg.record_paths,
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()
