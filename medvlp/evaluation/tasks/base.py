"""The task protocol: a registered evaluation that turns (model, dataset, fraction, seed) into metrics.

Tasks are registered in ``TASKS`` by name (``zeroshot``, ``linear_probe``, ``finetune``,
``segmentation``, ``retrieval``; report generation can join later). Each declares a ``Params``
dataclass validated strictly from the suite YAML, and whether label fractions and seeds apply to it
(zero-shot and retrieval use no training labels and no randomness, so they run once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.zeroshot import TextEmbeddingCache, encode_images
from medvlp.registry import Registry


@dataclass
class BootstrapSettings:
    n_resamples: int = 1000
    level: float = 0.95


@dataclass
class DatasetInfo:
    """What a task needs to know about a dataset besides its splits."""

    name: str
    label_set: str
    modality: str  # "2d" or "3d"
    sided: frozenset[str] = frozenset()


SplitLoader = Callable[[str, "float | None"], EvalSplit]  # (split, label fraction) -> split


class FeatureCache:
    """Frozen image embeddings per (model, dataset, split, fraction), shared across tasks and seeds."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, str, str, float | None], np.ndarray] = {}
        self.batch_size = 16

    def get(self, model: EvalEncoder, dataset: str, split: str, fraction: float | None,
            data: EvalSplit) -> np.ndarray:
        """``[N, D]`` float64 embeddings of ``data.images``, computed once."""
        key = (model.identity, dataset, split, fraction)
        if key not in self._store:
            batches = data.images.split(self.batch_size)
            extents = None if data.z_extent_mm is None else torch.as_tensor(data.z_extent_mm).split(self.batch_size)
            self._store[key] = encode_images(model, batches, extents).numpy().astype(np.float64)
        return self._store[key]


@dataclass
class TaskContext:
    model: EvalEncoder
    dataset: DatasetInfo
    load: SplitLoader
    fraction: float | None
    seed: int | None
    params: Any
    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    features: FeatureCache = field(default_factory=FeatureCache)
    text_cache: TextEmbeddingCache = field(default_factory=TextEmbeddingCache)

    def rng(self) -> np.random.Generator:
        return np.random.default_rng(0 if self.seed is None else self.seed)

    def split_features(self, split: str, fraction: float | None = None) -> tuple[EvalSplit, np.ndarray]:
        data = self.load(split, fraction)
        return data, self.features.get(self.model, self.dataset.name, split, fraction, data)


@dataclass
class TaskOutput:
    """One run's result: headline ``metrics``, their ``ci`` ([low, high]), per-finding rows, notes,
    and optional ``predictions`` (targets/scores/valid [N, K] + names) kept for ROC plots."""

    metrics: dict[str, Any]
    ci: dict[str, list[float | None]] = field(default_factory=dict)
    per_finding: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    predictions: dict[str, np.ndarray] | None = None


class Task:
    """Base class of registered tasks."""

    name: ClassVar[str] = ""
    uses_fraction: ClassVar[bool] = True
    uses_seed: ClassVar[bool] = True

    @dataclass
    class Params:
        pass

    def run(self, ctx: TaskContext) -> TaskOutput:
        raise NotImplementedError


TASKS: Registry[Task] = Registry("benchmark task")
