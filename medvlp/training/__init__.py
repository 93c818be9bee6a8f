"""Lightning pretraining: module, data module, typed config and the ``run_pretrain`` entry."""

from __future__ import annotations

from medvlp.training.config import (
    AugmentSection,
    DataSection,
    ModelSection,
    ObjectiveTerm,
    OptimSection,
    PretrainConfig,
    TrainerSection,
)
from medvlp.training.datamodule import PretrainDataModule
from medvlp.training.module import ContrastivePretrainModule
from medvlp.training.run import build_objective, run_pretrain

__all__ = [
    "AugmentSection", "ContrastivePretrainModule", "DataSection", "ModelSection", "ObjectiveTerm", "OptimSection",
    "PretrainConfig", "PretrainDataModule", "TrainerSection", "build_objective", "run_pretrain",
]
