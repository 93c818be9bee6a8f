"""The registered task end to end on tiny in-memory splits, and its suite parameter validation."""

from __future__ import annotations

import pytest

from medvlp.config import from_dict
from medvlp.errors import ConfigError
from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.report_generation import task as _registration  # noqa: F401
from medvlp.evaluation.tasks.base import TASKS, BootstrapSettings, DatasetInfo, TaskContext
from medvlp.evaluation.toy import toy_encoder

TINY = {"d_model": 32, "layers": 1, "heads": 4, "ff_dim": 64, "memory_slots": 2, "epochs": 3, "patience": 2,
        "batch_size": 8, "lr": 1e-3, "min_word_count": 1, "max_length": 20, "beam_size": 2}


def context(splits: dict[str, EvalSplit], params: dict[str, object], seed: int = 0) -> TaskContext:
    task_cls = TASKS.get("report_generation")
    return TaskContext(toy_encoder(dim=16), DatasetInfo("tiny", "chexpert", "2d"),
                       lambda split, fraction: splits[split], None, seed,
                       from_dict(task_cls.Params, params, "params"), BootstrapSettings(n_resamples=20))


def test_task_runs_and_reports_every_metric(splits: dict[str, EvalSplit]) -> None:
    task_cls = TASKS.get("report_generation")
    assert not task_cls.uses_fraction and task_cls.uses_seed
    out = TASKS.create("report_generation").run(context(splits, TINY))
    for name in ("bleu_1", "bleu_4", "meteor", "rouge_l", "cider_d", "ce_micro_f1", "ce_macro_f1"):
        assert 0.0 <= out.metrics[name] <= (10.0 if name == "cider_d" else 1.0)
    assert out.metrics["n_studies"] == 8 and out.metrics["n_train_studies"] == 24
    assert 0 <= out.metrics["best_epoch"] < 3
    assert set(out.ci) >= {"ce_micro_f1", "ce_macro_f1"}
    assert len(out.per_finding) == 14
    assert any("METEOR" in n or "meteor" in n for n in out.notes)


def test_finetuning_leaves_the_shared_encoder_untouched(splits: dict[str, EvalSplit]) -> None:
    ctx = context(splits, {**TINY, "epochs": 1, "finetune_encoder": True, "encoder_lr": 1e-2})
    before = {k: v.clone() for k, v in ctx.model.state_dict().items()}
    TASKS.create("report_generation").run(ctx)
    assert all((before[k] == v).all() for k, v in ctx.model.state_dict().items())


def test_unknown_param_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        from_dict(TASKS.get("report_generation").Params, {"beam": 3}, "params")


def test_suite_file_validates(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from pathlib import Path

    from medvlp.benchmark.suite import load_suite

    monkeypatch.setenv("MEDVLP_SYNTH_INGEST", str(tmp_path))
    path = Path(__file__).resolve().parents[3] / "benchmarks" / "suites" / "synthetic_report_generation.yaml"
    suite = load_suite(path)
    assert [t.task for t in suite.tasks] == ["report_generation"]
    params = from_dict(TASKS.get("report_generation").Params, suite.tasks[0].params, "params")
    assert params.beam_size == 3 and params.max_length == 60
