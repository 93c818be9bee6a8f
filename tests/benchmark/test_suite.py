"""Suite YAML validation: unknown keys, unknown tasks/datasets, env-var roots, shipped suites."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench_fixtures import write_suite

from medvlp.benchmark.runner import plan_runs
from medvlp.benchmark.suite import load_suite
from medvlp.errors import ConfigError, UnknownNameError

SUITES = Path(__file__).resolve().parents[2] / "benchmarks" / "suites"


def test_unknown_top_level_key_is_a_clear_error(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "s.yaml", tmp_path, sedds=[1])
    with pytest.raises(ConfigError, match="unknown config key.*sedds"):
        load_suite(path)


def test_unknown_task_param_names_its_path(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "s.yaml", tmp_path, tasks=[{"task": "linear_probe", "params": {"C": [1]}}])
    with pytest.raises(ConfigError, match=r"tasks\[0\]\.params\.C"):
        load_suite(path)


def test_unknown_task_name_suggests(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "s.yaml", tmp_path, tasks=[{"task": "linear_prob"}])
    with pytest.raises(UnknownNameError, match="did you mean linear_probe"):
        load_suite(path)


def test_task_naming_unknown_dataset(tmp_path: Path) -> None:
    path = write_suite(tmp_path / "s.yaml", tmp_path, tasks=[{"task": "zeroshot", "datasets": ["nope"]}])
    with pytest.raises(ConfigError, match="unknown dataset"):
        load_suite(path)


def test_plan_collapses_fraction_and_seed_for_label_free_tasks(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path / "s.yaml", tmp_path))
    runs = list(plan_runs(suite, ["m1", "m2"]))
    by_task = {t: [(r.fraction, r.seed) for r in runs if r.task.task == t and r.model == "m1"]
               for t in ("zeroshot", "linear_probe", "retrieval")}
    assert by_task["zeroshot"] == [(None, None)] and by_task["retrieval"] == [(None, None)]
    assert sorted(by_task["linear_probe"]) == [(0.5, None), (1.0, None)]  # seed-invariant: once per fraction
    assert len(runs) == 2 * (1 + 2 + 1)


def test_benchx_suite_follows_the_protocol(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEDVLP_BENCHX", str(tmp_path))
    suite = load_suite(SUITES / "benchx.yaml")
    assert suite.seeds == [42, 0, 1] and suite.fractions == [0.01, 0.1, 1.0]
    assert suite.bootstrap.n_resamples == 1000
    assert len(suite.datasets) == 9
    assert all(Path(d.root).parent == tmp_path for d in suite.datasets)
    finetune = [r for r in plan_runs(suite, ["m"]) if r.task.task == "finetune"]
    assert len(finetune) == 3 * 3 * 3  # datasets x fractions x seeds


def test_missing_env_var_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDVLP_SYNTH_INGEST", raising=False)
    with pytest.raises(ConfigError, match="environment variable"):
        load_suite(SUITES / "synthetic.yaml")
