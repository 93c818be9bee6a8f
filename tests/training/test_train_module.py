"""ContrastivePretrainModule pieces: EMA follows the formula, checkpointing toggle, empty batches."""

from __future__ import annotations

import copy
from typing import Any

import lightning as L
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint
from train_fixtures import TinyVLP

from medvlp import keys
from medvlp.objectives import CombinedObjective, InfoNCELoss
from medvlp.training import ContrastivePretrainModule, OptimSection
from medvlp.training.module import enable_grad_checkpointing


def _batches(model: TinyVLP, n: int) -> list[dict[str, Any]]:
    gen = torch.Generator().manual_seed(1)
    words = ["small left effusion", "no fracture", "large right nodule", "edema"]
    out = []
    for _ in range(n):
        tokens = model.tokenizer(words, padding=True, return_tensors="pt")
        out.append({keys.IMAGE: torch.rand(4, 1, 16, 16, generator=gen), keys.INPUT_IDS: tokens["input_ids"],
                    keys.ATTENTION_MASK: tokens["attention_mask"]})
    return out


class _Recorder(L.Callback):
    def __init__(self) -> None:
        self.snapshots: list[dict[str, torch.Tensor]] = []

    def on_train_batch_end(self, trainer: L.Trainer, module: Any, *args: Any) -> None:
        self.snapshots.append({k: v.detach().clone() for k, v in module.model.state_dict().items()})


def _fit(module: L.LightningModule, batches: list, callbacks: list) -> None:
    trainer = L.Trainer(max_steps=len(batches), accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=callbacks)
    trainer.fit(module, train_dataloaders=torch.utils.data.DataLoader(batches, batch_size=None))


def test_ema_follows_the_exponential_moving_average_formula() -> None:
    torch.manual_seed(0)
    model = TinyVLP()
    module = ContrastivePretrainModule(model, InfoNCELoss(), OptimSection(lr=0.05, warmup_steps=0, ema_decay=0.5),
                                       total_steps=4)
    recorder = _Recorder()
    _fit(module, _batches(model, 4), [recorder])
    name = "image.1.weight"
    expected = recorder.snapshots[0][name]  # the first update copies the weights
    for snap in recorder.snapshots[1:]:
        expected = 0.5 * expected + 0.5 * snap[name]
    ema_weight = module.ema.module.state_dict()[name]
    assert torch.allclose(ema_weight, expected, atol=1e-6)
    assert not torch.allclose(ema_weight, model.state_dict()[name])
    assert module.export_model() is module.ema.module
    assert not any(p.requires_grad for p in module.ema.parameters())


class _CheckpointableBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear, self.grad_checkpointing = nn.Linear(4, 4), False

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        self.grad_checkpointing = enable

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.grad_checkpointing and x.requires_grad:
            return checkpoint(self.linear, x, use_reentrant=False)
        return self.linear(x)


def test_grad_checkpointing_toggle_reaches_submodules_and_keeps_gradients() -> None:
    torch.manual_seed(0)
    plain = nn.Sequential(_CheckpointableBlock(), nn.ReLU(), _CheckpointableBlock())
    checkpointed = copy.deepcopy(plain)
    assert enable_grad_checkpointing(checkpointed) == 2
    assert all(m.grad_checkpointing for m in checkpointed if isinstance(m, _CheckpointableBlock))
    x = torch.randn(3, 4, requires_grad=True)
    plain(x).sum().backward()
    checkpointed(x).sum().backward()
    for a, b in zip(plain.parameters(), checkpointed.parameters()):
        assert torch.allclose(a.grad, b.grad)


def test_empty_batch_is_skipped_and_objective_parameters_are_optimised() -> None:
    torch.manual_seed(0)
    model = TinyVLP()
    objective = CombinedObjective.from_spec({"siglip": {"weight": 1.0}})
    module = ContrastivePretrainModule(model, objective, OptimSection(lr=0.1, warmup_steps=0), total_steps=3)
    assert module.training_step(None, 0) is None
    bias_before = float(objective.terms["siglip"].bias.detach())
    _fit(module, _batches(model, 3), [])
    assert float(objective.terms["siglip"].bias.detach()) != bias_before


def test_train_metrics_are_logged_on_the_steps_the_trainer_writes(tmp_path: Any) -> None:
    import csv

    from lightning.pytorch.loggers import CSVLogger

    torch.manual_seed(0)
    model = TinyVLP()
    module = ContrastivePretrainModule(model, InfoNCELoss(), OptimSection(warmup_steps=0), total_steps=8)
    trainer = L.Trainer(max_steps=8, accelerator="cpu", logger=CSVLogger(tmp_path, name="csv", version=""),
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        log_every_n_steps=4)
    trainer.fit(module, train_dataloaders=torch.utils.data.DataLoader(_batches(model, 8), batch_size=None))
    with open(tmp_path / "csv" / "metrics.csv") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("train/loss")]
    assert [r["step"] for r in rows] == ["3", "7"]
    assert all(r["train/acc_i2t"] and r["train/rankme_image"] and r["train/i2t"] for r in rows)
