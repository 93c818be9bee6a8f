"""Resumable pipeline stages: a finished stage leaves a marker; a rerun with the same inputs reuses it.

A stage's fingerprint is its own configuration plus the fingerprints of the stages it reads from, so
changing an early stage re-runs everything downstream and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def fingerprint(data: Any) -> str:
    """Stable short hash of JSON-able data."""
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class StageResult:
    name: str
    fingerprint: str
    summary: dict[str, Any]
    seconds: float
    reused: bool


@dataclass
class Stage:
    """One step of a pipeline. ``run`` returns a JSON-able summary of what it produced."""

    name: str
    config: dict[str, Any]
    run: Callable[[], dict[str, Any]]
    after: list[StageResult] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return fingerprint({"config": self.config, "after": [r.fingerprint for r in self.after]})


def run_stage(stage: Stage, state_dir: Path) -> StageResult:
    """Run ``stage`` unless a marker with the same fingerprint says it already finished."""
    marker = state_dir / f"{stage.name}.done.json"
    fp = stage.fingerprint
    if marker.is_file():
        done = json.loads(marker.read_text())
        if done.get("fingerprint") == fp:
            log.info("stage %s: reusing finished result (%s)", stage.name, marker)
            return StageResult(stage.name, fp, done["summary"], done["seconds"], reused=True)
        log.info("stage %s: inputs changed, running again", stage.name)
    log.info("stage %s: running", stage.name)
    start = time.perf_counter()
    summary = stage.run()
    seconds = time.perf_counter() - start
    state_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, json.dumps({"fingerprint": fp, "summary": summary, "seconds": seconds}, indent=1))
    log.info("stage %s: done in %.1f s", stage.name, seconds)
    return StageResult(stage.name, fp, summary, seconds, reused=False)
