"""Plain file writes for the thousands of generated files.

Per-file fsync (as in :mod:`medvlp.utils.files`) would dominate generation time; a dataset is
complete only once ``summary.json`` is written (atomically, last), so a killed run is detectable.
"""

from __future__ import annotations

from pathlib import Path


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))
