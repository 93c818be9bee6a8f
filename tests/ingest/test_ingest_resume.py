"""Kill a real ``medvlp ingest`` with SIGKILL part-way, start it again, compare with an uninterrupted run.

Kill points are defined by progress on disk (cached studies, shards appearing), not by wall time, so
they land in the intended phase however loaded the machine is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from ingest_testlib import PHI, SECRET, committed_outputs, find_phi, make_export

from medvlp.cli.main import main
from medvlp.config import load_config
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"
N_EXTRA = 30
OVERRIDE = "shard_max_samples=8"


def _command(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "medvlp.cli.main", "ingest", str(source), str(out), OVERRIDE, "--config", str(DEMO)]


def _env() -> dict[str, str]:
    return {**os.environ, "MEDVLP_PSEUDONYM_SECRET": SECRET.decode(), "OMP_NUM_THREADS": "1"}


def _cached(out: Path) -> int:
    return len(list((out / ".cache").rglob("*.tar"))) if (out / ".cache").exists() else 0


def _kill_when(source: Path, out: Path, ready: Callable[[Path], bool]) -> bool:
    """Start the CLI, SIGKILL it as soon as ``ready(out)``; True if it was killed before finishing."""
    proc = subprocess.Popen(_command(source, out), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while proc.poll() is None and not ready(out):
        time.sleep(0.005)
    killed = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return killed


def _check(tmp_path: Path, points: list[Callable[[Path], bool]], capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "src"
    make_export(source, n_extra=N_EXTRA)
    reference_dir = tmp_path / "reference"
    run_ingest(source, reference_dir, load_config(IngestConfig, DEMO, [OVERRIDE]), secret=SECRET)
    reference = committed_outputs(reference_dir)
    out = tmp_path / "killed"
    for ready in points:
        assert _kill_when(source, out, ready), "the run finished before the kill point"
        assert not (out / "manifest.parquet").exists()
    # start again through the same CLI entry point (in-process: avoids a second cold import)
    monkeypatch.setenv("MEDVLP_PSEUDONYM_SECRET", SECRET.decode())
    capsys.readouterr()
    assert main(_command(source, out)[3:]) == 0
    captured = capsys.readouterr()
    assert committed_outputs(out) == reference
    assert find_phi([captured.out.encode(), captured.err.encode()], PHI) == []  # logs and the summary table
    assert "ok" in captured.out and "localizer" in captured.out


def test_sigkill_mid_processing_then_rerun(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _check(tmp_path, [lambda o: _cached(o) >= 12], capsys, monkeypatch)


@pytest.mark.slow
def test_sigkill_at_many_points(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    points = [lambda o, n=n: _cached(o) >= n for n in (1, 8, 20, 33)]  # type: ignore[misc]
    points.append(lambda o: any((o / "shards").glob("*.tar")))
    points.append(lambda o: (o / "splits.json").exists())
    _check(tmp_path, points, capsys, monkeypatch)
