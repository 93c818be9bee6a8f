"""Run a suite: every (model, task, dataset, fraction, seed), cached by config hash.

Finished runs (same config hash already recorded as ok or as a final skip) are skipped on rerun.
Tasks that declare themselves seed-invariant (``uses_seed = False``: zero-shot, retrieval, linear
probe) run once per fraction with ``seed: null`` and ``seed_invariant: true`` in their record.
Each run's record is appended atomically as soon as it finishes; a bad input (missing dataset,
single-class split, model without text tower) becomes a recorded, explained skip, and an unexpected
exception becomes an ``error`` record with its message, so one failure never loses other results.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medvlp.benchmark.results import (
    EVAL_PROTOCOL_VERSION,
    append_record,
    config_hash,
    finished_hashes,
    read_records,
    versions,
)
from medvlp.benchmark.suite import DatasetSpec, SuiteConfig, TaskSpec, task_params
from medvlp.config import to_dict
from medvlp.errors import InputError
from medvlp.evaluation.data import EvalSplit, load_split
from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.tasks import TASKS, TaskContext, get_task_class
from medvlp.evaluation.tasks.base import DatasetInfo, FeatureCache, SplitLoader
from medvlp.evaluation.zeroshot import TextEmbeddingCache
from medvlp.knowledge.findings import get_label_set
from medvlp.utils.files import atomic_open
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


@dataclass
class RunSpec:
    model: str
    task: TaskSpec
    dataset: DatasetSpec
    fraction: float | None
    seed: int | None
    params: Any

    def config(self, model_identity: str, suite: SuiteConfig) -> dict[str, Any]:
        return {"model": model_identity, "model_label": self.model, "task": self.task.task, "params": to_dict(self.params),
                "dataset": to_dict(self.dataset), "fraction": self.fraction, "seed": self.seed,
                "bootstrap": to_dict(suite.bootstrap), "protocol": EVAL_PROTOCOL_VERSION}


@dataclass
class RunSummary:
    ran: int = 0
    cached: int = 0
    skipped: int = 0
    errors: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)


def plan_runs(suite: SuiteConfig, model_names: list[str]) -> Iterator[RunSpec]:
    """Expand the suite grid; fraction/seed collapse to None for tasks that use neither."""
    by_name = {d.name: d for d in suite.datasets}
    for i, spec in enumerate(suite.tasks):
        task_cls = get_task_class(spec.task)
        params = task_params(spec, f"tasks[{i}]")
        fractions = (spec.fractions or suite.fractions) if task_cls.uses_fraction else [None]
        seeds = (spec.seeds or suite.seeds) if task_cls.uses_seed else [None]
        for model in model_names:
            for dataset in spec.datasets or list(by_name):
                for fraction in fractions:
                    for seed in seeds:
                        yield RunSpec(model, spec, by_name[dataset], fraction, seed, params)


class SplitStore:
    """Loads each (dataset, split, fraction, window) once and shares it between models and tasks."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, float | None, tuple[float, float]], EvalSplit] = {}

    def loader(self, spec: DatasetSpec, model: EvalEncoder | None = None) -> SplitLoader:
        """CT is windowed as the model was trained (its card's HU window), else with the dataset's."""
        window = (spec.window[0], spec.window[1])
        card = model.preprocessing.hu_window if model is not None else None
        if card is not None:
            window = ((card[0] + card[1]) / 2, card[1] - card[0])  # (low, high) -> (center, width)

        def load(split: str, fraction: float | None) -> EvalSplit:
            key = (spec.name, split, fraction, window)
            if key not in self._cache:
                self._cache[key] = load_split(spec.root, split, fraction, spec.image_size, window,
                                              spec.max_samples, spec.label_set,
                                              3 if spec.modality == "3d" else 2)
            return self._cache[key]

        return load


def _save_predictions(out_dir: Path, run_hash: str, predictions: dict[str, np.ndarray]) -> str:
    rel = f"predictions/{run_hash}.npz"
    with atomic_open(out_dir / rel, "wb") as fh:
        arrays: dict[str, Any] = dict(predictions)  # (numpy stubs would match a value to allow_pickle)
        np.savez_compressed(fh, **arrays)
    return rel


def execute(run: RunSpec, model: EvalEncoder, suite: SuiteConfig, store: SplitStore, out_dir: Path,
            features: FeatureCache, text_cache: TextEmbeddingCache) -> dict[str, Any]:
    """Run one grid cell and return its record (status ok / skipped / error)."""
    config = run.config(model.identity, suite)
    record: dict[str, Any] = {"model": run.model, "task": run.task.task, "dataset": run.dataset.name,
                              "modality": run.dataset.modality, "fraction": run.fraction, "seed": run.seed,
                              "seed_invariant": not get_task_class(run.task.task).uses_seed,
                              "config_hash": config_hash(config), "config": config, "versions": versions()}
    label_set = get_label_set(run.dataset.label_set)
    ctx = TaskContext(model, DatasetInfo(run.dataset.name, label_set.name, run.dataset.modality, label_set.sided),
                      store.loader(run.dataset, model), run.fraction, run.seed, run.params, suite.bootstrap,
                      features, text_cache)
    start = time.perf_counter()
    data_dims = 3 if run.dataset.modality == "3d" else 2
    try:
        if model.spatial_dims is not None and model.spatial_dims != data_dims:
            raise UnsupportedTaskError(None, f"model {run.model!r} is {model.spatial_dims}D, dataset "
                                             f"{run.dataset.name!r} is {data_dims}D")
        output = TASKS.create(run.task.task).run(ctx)
    except InputError as exc:
        record.update(status="skipped", reason=str(exc), reason_code=exc.code)
    except Exception as exc:  # noqa: BLE001 - recorded with traceback; the suite goes on
        log.error("run %s failed:\n%s", record["config_hash"], traceback.format_exc())
        record.update(status="error", reason=f"{type(exc).__name__}: {exc}", reason_code="exception")
    else:
        record.update(status="ok", metrics=output.metrics, ci=output.ci, per_finding=output.per_finding,
                      notes=output.notes)
        if output.predictions is not None:
            record["predictions"] = _save_predictions(out_dir, record["config_hash"], output.predictions)
    record["duration_s"] = round(time.perf_counter() - start, 3)
    return record


def run_suite(suite: SuiteConfig, models: Mapping[str, EvalEncoder], out_dir: str | Path) -> RunSummary:
    """Run every grid cell not already finished in ``out_dir/results.jsonl``; append each record."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = finished_hashes(read_records(out))
    store, features, text_cache = SplitStore(), FeatureCache(), TextEmbeddingCache()
    summary = RunSummary()
    for run in plan_runs(suite, list(models)):
        model = models[run.model]
        if config_hash(run.config(model.identity, suite)) in done:
            summary.cached += 1
            continue
        record = execute(run, model, suite, store, out, features, text_cache)
        append_record(out, record)
        summary.records.append(record)
        summary.ran += 1
        summary.skipped += record["status"] == "skipped"
        summary.errors += record["status"] == "error"
        log.info("%s %s/%s/%s f=%s seed=%s: %s", record["status"], run.model, run.task.task, run.dataset.name,
                 run.fraction, run.seed, record.get("metrics") or record.get("reason"))
    return summary
