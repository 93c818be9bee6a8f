"""Run records: config hashing, crash-safe appends to ``results.jsonl``, and reading them back.

Every finished run (ok, skipped with a reason, or failed) is one JSON line. Appends rewrite the file
through :func:`medvlp.utils.files.atomic_open`, so a crash mid-write leaves the previous complete
file, and finished runs are never lost.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np

from medvlp.utils.files import atomic_open

RESULTS_FILE = "results.jsonl"
EVAL_PROTOCOL_VERSION = 3  # bump when a protocol change should invalidate cached results
# 2: zero-shot records negation metrics and study keys; linear probe seed-invariant; masks in shards
# 3: zero-shot records finding-specificity metrics
# Skips that will not change on rerun (cached like successes); others (missing data, errors) retry.
FINAL_SKIPS = {"single_class", "unsupported_task"}


def config_hash(config: dict[str, Any]) -> str:
    """Stable short hash of a run's full configuration (sorted-key JSON)."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def versions() -> dict[str, str]:
    """Versions of the code that produced a record."""
    import monai
    import sklearn
    import torch

    from medvlp import __version__

    return {"medvlp": __version__, "torch": torch.__version__, "monai": monai.__version__,
            "sklearn": sklearn.__version__, "python": platform.python_version()}


def jsonable(value: Any) -> Any:
    """NaN/inf -> None, numpy scalars/arrays -> Python, recursively (strict JSON output)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def read_records(out_dir: str | Path) -> list[dict[str, Any]]:
    """All records of ``out_dir/results.jsonl`` (empty when absent)."""
    path = Path(out_dir) / RESULTS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def append_record(out_dir: str | Path, record: dict[str, Any]) -> None:
    """Append one record atomically (old content + the new line, renamed over the file)."""
    path = Path(out_dir) / RESULTS_FILE
    old = path.read_bytes() if path.is_file() else b""
    line = json.dumps(jsonable(record), sort_keys=True, allow_nan=False) + "\n"
    with atomic_open(path, "wb") as fh:
        fh.write(old)
        fh.write(line.encode("utf-8"))


def finished_hashes(records: list[dict[str, Any]]) -> set[str]:
    """Config hashes that need no rerun: successes and skips that a rerun cannot change."""
    return {r["config_hash"] for r in records
            if r.get("status") == "ok" or (r.get("status") == "skipped" and r.get("reason_code") in FINAL_SKIPS)}


def latest_by_hash(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The last record of every config hash (reruns supersede earlier failures).

    Records of another evaluation protocol are left out: a protocol bump changes every config hash, so
    without this a results file written before and after an upgrade would report each run twice.
    """
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        protocol = (r.get("config") or {}).get("protocol")
        if protocol is not None and protocol != EVAL_PROTOCOL_VERSION:
            continue
        latest[r["config_hash"]] = r
    return list(latest.values())
