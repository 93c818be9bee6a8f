"""``ContrastivePretrainModule``: the LightningModule that trains a VLP model with an objective.

It receives the model and the objective (it builds neither), so any model returning the documented
output dict (``medvlp.keys``) and any ``medvlp.objectives`` loss can be trained. Precision,
gradient clipping and accumulation come from the Trainer; this module owns the optimiser, the LR
schedule, the optional EMA copy, gradient checkpointing and the monitoring.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from lightning.pytorch.utilities.types import OptimizerLRSchedulerConfig
from torch import Tensor, nn

from medvlp import keys
from medvlp.training.config import OptimSection
from medvlp.training.ema import make_ema
from medvlp.training.metrics import rankme, retrieval_top1
from medvlp.training.optim import parameter_groups, warmup_cosine
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def enable_grad_checkpointing(model: nn.Module) -> int:
    """Turn on activation checkpointing wherever a submodule supports it (timm or HF convention)."""
    enabled = 0
    for module in model.modules():
        timm_toggle = getattr(module, "set_grad_checkpointing", None)
        hf_toggle = getattr(module, "gradient_checkpointing_enable", None)
        if module is not model and callable(timm_toggle):
            timm_toggle(True)
            enabled += 1
        elif getattr(module, "supports_gradient_checkpointing", False) and callable(hf_toggle):
            hf_toggle()
            enabled += 1
    if enabled == 0:
        log.warning("gradient checkpointing requested but no submodule of %s supports it", type(model).__name__)
    return enabled


def share_seen_tokens(model: nn.Module) -> None:
    """Union of the text towers' ``seen_tokens`` over DDP ranks (every rank calls this each step).

    DDP broadcasts buffers from rank 0 before each forward, which would otherwise keep only the
    tokens rank 0's shards contain.
    """
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    if torch.distributed.get_world_size() < 2:
        return
    for module in model.modules():
        seen = getattr(module, "seen_tokens", None)
        if isinstance(seen, Tensor):
            torch.distributed.all_reduce(seen, op=torch.distributed.ReduceOp.MAX)


class ContrastivePretrainModule(L.LightningModule):
    """Train ``model`` (batch -> output dict) with ``objective`` (outputs, batch -> {"loss", parts})."""

    def __init__(self, model: nn.Module, objective: nn.Module, optim: OptimSection | None = None,
                 total_steps: int = 1000, grad_checkpointing: bool = False) -> None:
        super().__init__()
        self.model, self.objective = model, objective
        # an objective that reads no text (the supervised baseline) runs only the image tower when the model
        # can (``image_outputs``), and the parameters outside it are frozen: no gradient ever reaches them, and
        # DDP would wait for one
        self.image_only = not getattr(objective, "reads_text", True) and callable(getattr(model, "image_outputs", None))
        image_parameters = getattr(model, "image_parameters", None)
        if self.image_only and callable(image_parameters):
            trained = {id(param) for param in image_parameters()}
            for param in model.parameters():
                if id(param) not in trained:
                    param.requires_grad_(False)
        self.optim_cfg = optim or OptimSection()
        self.total_steps = total_steps
        self.ema = make_ema(model, self.optim_cfg.ema_decay) if self.optim_cfg.ema_decay else None
        if grad_checkpointing:
            enable_grad_checkpointing(model)

    def forward(self, batch: dict[str, Any]) -> dict[str, Tensor]:
        return self.model(batch)

    def _shared_step(self, batch: dict[str, Any], stage: str, model: nn.Module) -> Tensor:
        image_outputs = getattr(model, "image_outputs", None) if self.image_only else None
        outputs = image_outputs(batch) if callable(image_outputs) else model(batch)
        losses = self.objective(outputs, batch)
        size = int(batch[keys.IMAGE].shape[0])
        on_step = stage == "train"
        # training values are only written every log_every_n_steps, so only then are they logged
        # (self.log costs ~1 ms a call, a visible share of a small model's step)
        if not on_step or self._is_logging_step():
            for name, value in losses.items():
                self.log(f"{stage}/{name}", value.detach().float(), on_step=on_step, on_epoch=not on_step,
                         batch_size=size, prog_bar=name == "loss", sync_dist=not on_step)
            self._log_monitors(outputs, stage, size)
        return losses["loss"]

    def _is_logging_step(self) -> bool:
        """Monitors (SVDs, argmaxes) only on the steps the Trainer actually writes logs."""
        every = getattr(self._trainer, "log_every_n_steps", 1) if self._trainer is not None else 1
        return (self.global_step + 1) % max(1, every) == 0  # the step Lightning writes: batches_that_stepped + 1

    @torch.no_grad()
    def _log_monitors(self, outputs: dict[str, Tensor], stage: str, size: int) -> None:
        on_step = stage == "train"
        image = outputs[keys.IMAGE_EMBEDS].detach()
        scale = outputs[keys.LOGIT_SCALE].detach().float().reshape(())
        values = {"rankme_image": rankme(image), "logit_scale": scale, "temperature": 1.0 / scale}
        if keys.TEXT_EMBEDS in outputs:  # absent when only the image tower ran
            text = outputs[keys.TEXT_EMBEDS].detach()
            i2t, t2i = retrieval_top1(image, text)
            values.update({"acc_i2t": i2t, "acc_t2i": t2i, "rankme_text": rankme(text)})
        for name, value in values.items():
            self.log(f"{stage}/{name}", value, on_step=on_step, on_epoch=not on_step, batch_size=size,
                     sync_dist=not on_step)

    def training_step(self, batch: dict[str, Any] | None, batch_idx: int) -> Tensor | None:
        # batch None: every sample of the batch was unusable (counted by the collate)
        loss = None if batch is None else self._shared_step(batch, "train", self.model)
        share_seen_tokens(self.model)  # on every rank, batch or not: it is a collective
        return loss

    def validation_step(self, batch: dict[str, Any] | None, batch_idx: int) -> None:
        if batch is not None:
            self._shared_step(batch, "val", self.ema.module if self.ema is not None else self.model)

    def optimizer_step(self, *args: Any, **kwargs: Any) -> None:
        super().optimizer_step(*args, **kwargs)
        # here rather than in on_train_batch_end: checkpoint callbacks run before that hook, so an
        # update made there would be missing from the step's checkpoint and lost on resume
        if self.ema is not None:
            self.ema.update_parameters(self.model)

    def configure_optimizers(self) -> OptimizerLRSchedulerConfig:
        cfg = self.optim_cfg
        groups = parameter_groups([self.model, self.objective], cfg.weight_decay)
        optimizer = torch.optim.AdamW(groups, lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.eps)  # type: ignore[arg-type]
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: warmup_cosine(step, cfg.warmup_steps, self.total_steps, cfg.min_lr_ratio))
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        # dropout etc. draw from the global torch RNG; keep its state so a resumed run is exact
        checkpoint["torch_rng_state"] = torch.get_rng_state()

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        if "torch_rng_state" in checkpoint:
            torch.set_rng_state(checkpoint["torch_rng_state"])

    def export_model(self) -> nn.Module:
        """The weights to publish: the EMA copy when enabled, else the trained model."""
        return self.ema.module if self.ema is not None else self.model
