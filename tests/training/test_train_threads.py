"""CPU runs leave a core per data-loader worker, and restore torch's thread count afterwards."""

from __future__ import annotations

import dataclasses

import torch

from medvlp.training.config import PretrainConfig
from medvlp.training.threads import cpu_training_threads, training_threads


def _cfg(accelerator: str, workers: int, devices: int = 1) -> PretrainConfig:
    cfg = PretrainConfig()
    return dataclasses.replace(cfg, trainer=dataclasses.replace(cfg.trainer, accelerator=accelerator, devices=devices),
                               data=dataclasses.replace(cfg.data, num_workers=workers))


def test_threads_leave_cores_to_workers() -> None:
    assert cpu_training_threads(_cfg("cpu", 1), cores=2) == 1
    assert cpu_training_threads(_cfg("cpu", 4), cores=16) == 12
    assert cpu_training_threads(_cfg("cpu", 4), cores=2) == 1  # never below one
    assert cpu_training_threads(_cfg("cpu", 1, devices=2), cores=8) == 3  # two DDP processes share the cores
    assert cpu_training_threads(_cfg("auto", 1), cores=2) is None  # may use a GPU: leave torch alone


def test_context_restores_previous_thread_count() -> None:
    original = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with training_threads(_cfg("cpu", 64)):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(original)
