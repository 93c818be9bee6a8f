"""Benchmark suite files: datasets x tasks x label fractions x seeds (x models), strictly validated.

A suite YAML is loaded with :func:`medvlp.config.load_config` (``base:`` composition and dotted
overrides work; unknown keys are errors naming their dotted path). Each task's ``params`` block is
validated against that task's own ``Params`` dataclass, so a typo there fails before anything runs.
Relative dataset roots resolve against the suite file's folder; ``${VAR}`` expands from the
environment (so ``benchx`` suites can point at wherever users keep the data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medvlp.config import from_dict, load_config
from medvlp.errors import ConfigError
from medvlp.evaluation.tasks import get_task_class
from medvlp.evaluation.tasks.base import BootstrapSettings
from medvlp.knowledge.findings import get_label_set

BENCHX_SEEDS = [42, 0, 1]
BENCHX_FRACTIONS = [0.01, 0.1, 1.0]


@dataclass
class DatasetSpec:
    """One ingest output (``root/shards``, ``root/splits.json``) and how to read it."""

    name: str
    root: str
    label_set: Literal["chexpert", "ct"] = "chexpert"
    modality: Literal["2d", "3d"] = "2d"
    image_size: list[int] | None = None  # every image is brought to this size (required to batch 3D)
    window: list[float] = field(default_factory=lambda: [40.0, 400.0])  # CT (center, width) HU
    max_samples: int | None = None  # cap per split, for smoke runs


@dataclass
class TaskSpec:
    """A registered task run on some datasets; ``fractions``/``seeds`` default to the suite's."""

    task: str
    datasets: list[str] | None = None  # None = all datasets of the suite
    fractions: list[float] | None = None
    seeds: list[int] | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class SuiteConfig:
    name: str
    datasets: list[DatasetSpec]
    tasks: list[TaskSpec]
    fractions: list[float] = field(default_factory=lambda: list(BENCHX_FRACTIONS))
    seeds: list[int] = field(default_factory=lambda: list(BENCHX_SEEDS))
    models: list[str] = field(default_factory=list)  # default --model values
    bootstrap: BootstrapSettings = field(default_factory=BootstrapSettings)
    description: str = ""


def task_params(spec: TaskSpec, where: str) -> Any:
    """Validate ``spec.params`` against the task's ``Params`` dataclass."""
    task_cls = get_task_class(spec.task)
    return from_dict(task_cls.Params, spec.params, f"{where}.params")


def _expand_root(root: str, base: Path) -> str:
    expanded = os.path.expandvars(os.path.expanduser(root))
    if "$" in expanded:
        raise ConfigError(f"dataset root {root!r}: environment variable not set")
    path = Path(expanded)
    return str(path if path.is_absolute() else (base / path).resolve())


def validate_suite(suite: SuiteConfig, base: Path) -> SuiteConfig:
    """Check cross-references (task names, dataset names, label sets, fractions) and resolve roots."""
    names = [d.name for d in suite.datasets]
    if len(set(names)) != len(names):
        raise ConfigError(f"suite {suite.name!r}: dataset names must be unique, got {names}")
    for d in suite.datasets:
        get_label_set(d.label_set)
        d.root = _expand_root(d.root, base)
    for i, spec in enumerate(suite.tasks):
        where = f"tasks[{i}]"
        task_params(spec, where)
        unknown = sorted(set(spec.datasets or []) - set(names))
        if unknown:
            raise ConfigError(f"{where}.datasets: unknown dataset(s) {unknown} (suite has {names})")
        for f in spec.fractions or suite.fractions:
            if not 0 < f <= 1:
                raise ConfigError(f"{where}: label fraction {f} must be in (0, 1]")
    return suite


def load_suite(path: str | Path, overrides: list[str] | None = None) -> SuiteConfig:
    """Load and validate a suite YAML (a path, or a name of a file in ``benchmarks/suites``)."""
    path = Path(path)
    suite = load_config(SuiteConfig, path, overrides)
    return validate_suite(suite, path.resolve().parent)
