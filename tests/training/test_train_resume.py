"""A run killed with SIGKILL and restarted with the same command ends exactly like an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from train_fixtures import TinyVLP, tiny_config, tiny_overrides

from medvlp.training import run_pretrain

HERE = Path(__file__).resolve().parent
SCRIPT = """
import sys, time
import torch
sys.path.insert(0, {here!r})
from train_fixtures import TinyVLP
from medvlp.config import load_config
from medvlp.training import PretrainConfig, run_pretrain

class SlowTinyVLP(TinyVLP):  # slow enough that the kill lands mid-run
    def forward(self, batch):
        time.sleep(0.1)
        return super().forward(batch)

torch.manual_seed(0)
run_pretrain(load_config(PretrainConfig, None, sys.argv[1:]), model=SlowTinyVLP())
"""
EXTRA = ("trainer.max_steps=14", "trainer.checkpoint_every_n_steps=3", "trainer.val_check_interval=7",
         "trainer.deterministic=true", "data.num_workers=2", "optim.ema_decay=0.8",
         "objective.infonce.weight=1.0", "objective.siglip.weight=0.5")


def _weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return torch.load(run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]


@pytest.mark.slow  # three training runs, two of them fresh interpreters: ~80 s on the shared 2-core box
def test_sigkilled_run_resumes_to_the_same_weights(shard_root: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    reference = tmp_path / "uninterrupted"
    run_pretrain(tiny_config(shard_root, reference, *EXTRA), model=TinyVLP())

    killed = tmp_path / "killed"
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(here=str(HERE)))
    command = [sys.executable, str(script), *tiny_overrides(shard_root, killed, *EXTRA)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = killed / "checkpoints" / "last.ckpt"
    deadline = time.monotonic() + 120
    while not last.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert last.exists(), "the run ended before its first checkpoint"
    step_at_kill = torch.load(last, weights_only=True)["global_step"]
    assert step_at_kill < 14, "the kill came too late to test resuming"

    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Restoring states from the checkpoint" in done.stderr
    expected, got = _weights(reference), _weights(killed)
    assert expected.keys() == got.keys() and any(k.startswith("ema.") for k in got)
    for name in expected:
        assert torch.allclose(expected[name], got[name], atol=1e-6), name
    assert (killed / "export" / "model.safetensors").is_file()
