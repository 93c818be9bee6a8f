"""``run_pretrain``: config -> model, objective, data -> Lightning fit -> checkpoints and export.

Everything that can be wrong in the config (unknown loss, bad precision, missing data folder) is
reported before a single shard is read. Re-running the same command in the same ``run_dir`` resumes
from ``checkpoints/last.ckpt``.
"""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import LearningRateMonitor, ModelCheckpoint, TQDMProgressBar
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from torch import nn

from medvlp.config import save_config, to_dict
from medvlp.errors import ConfigError
from medvlp.objectives import LOSSES, CombinedObjective
from medvlp.training.augment import augmentation_texts
from medvlp.training.checkpointing import (
    LAST_CHECKPOINT,
    AtomicCheckpointIO,
    export_objective,
    export_weights,
    resume_checkpoint,
)
from medvlp.training.config import PretrainConfig
from medvlp.training.datamodule import PretrainDataModule
from medvlp.training.module import ContrastivePretrainModule
from medvlp.training.threads import training_threads
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def _needs_embed_dim(loss: str, kwargs: dict[str, Any]) -> bool:
    """A loss owning a head on the embedding (``embed_dim`` argument) that the config leaves unset."""
    if "embed_dim" in kwargs or loss not in LOSSES:
        return False
    return "embed_dim" in inspect.signature(LOSSES.get(loss)).parameters


def _model_config(cfg: PretrainConfig, model: nn.Module | None = None) -> Any:
    """The config of ``model`` (or, without one, ``cfg.model``'s config file with its overrides)."""
    if model is not None:
        return getattr(model, "config", None)
    from medvlp.models.model_config import model_config

    return model_config(cfg.model.name, **cfg.model.overrides)


def model_embed_dim(cfg: PretrainConfig, model: nn.Module | None = None) -> int | None:
    """The joint embedding size of ``model`` (or, without one, of ``cfg.model``'s config file)."""
    dim = getattr(_model_config(cfg, model), "embed_dim", None)
    return int(dim) if dim is not None else None


def _check_pair_texts(name: str, loss: str, cfg: PretrainConfig, model: nn.Module | None) -> None:
    """The finding_pairs loss reads the model's pair-text embeddings: fail before any data is read."""
    if loss not in LOSSES or LOSSES.get(loss) is not LOSSES.get("finding_pairs"):
        return
    config = _model_config(cfg, model)
    pairs = getattr(config, "finding_pairs", None)
    if config is not None and not getattr(pairs, "enabled", False):
        raise ConfigError(f"objective.{name} ({loss}) needs the model's finding pair texts: "
                          "set model.overrides.finding_pairs.enabled: true")


def _check_swap_texts(name: str, loss: str, cfg: PretrainConfig) -> None:
    """The swap_negatives loss reads the finding-swap texts of the data pipeline: fail before any data is read."""
    if loss not in LOSSES or LOSSES.get(loss) is not LOSSES.get("swap_negatives"):
        return
    if not (cfg.data.augment.enabled and cfg.data.augment.finding_swaps > 0):
        raise ConfigError(f"objective.{name} ({loss}) needs finding-swap texts: set data.augment.finding_swaps "
                          "to 1 or more (with data.augment.enabled)")


def build_objective(cfg: PretrainConfig, model: nn.Module | None = None) -> CombinedObjective:
    """The weighted objective; a term of weight 0 is not built (how a child config drops an inherited
    term). Losses that own a head (``embed_dim`` argument, e.g. supervised_bce) get the embedding size
    of ``model`` (or of ``cfg.model``) unless their kwargs set it."""
    spec = {}
    for name, t in cfg.objective.items():
        if t.weight == 0:
            continue
        kwargs = dict(t.kwargs)
        _check_pair_texts(name, t.loss or name, cfg, model)
        _check_swap_texts(name, t.loss or name, cfg)
        if _needs_embed_dim(t.loss or name, kwargs):
            dim = model_embed_dim(cfg, model)
            if dim is None:
                raise ConfigError(f"objective.{name}: set kwargs.embed_dim (the model has no config.embed_dim)")
            kwargs["embed_dim"] = dim
        spec[name] = {"loss": t.loss, "weight": t.weight, "kwargs": kwargs}
    if not spec:
        raise ConfigError("objective: every term has weight 0; at least one term must be enabled")
    try:
        return CombinedObjective.from_spec(spec)
    except TypeError as exc:  # wrong keyword for a loss
        raise ConfigError(f"objective: {exc}") from exc


def validate(cfg: PretrainConfig) -> None:
    """Checks that need no data: data folder present, sizes consistent, step counts positive."""
    if cfg.data.root is None or not (Path(cfg.data.root) / "shards").is_dir():
        raise ConfigError(f"data.root={cfg.data.root}: not an ingest output folder (no shards/ inside)")
    if len(cfg.data.image_size) != 2:
        raise ConfigError(f"data.image_size must be [H, W] (2D) or in-plane [X, Y] (3D), got {cfg.data.image_size}")
    for name in ("max_steps", "checkpoint_every_n_steps", "val_check_interval", "accumulate_grad_batches"):
        if getattr(cfg.trainer, name) < 1:
            raise ConfigError(f"trainer.{name} must be >= 1")
    if cfg.trainer.max_time_s is not None and cfg.trainer.max_time_s <= 0:
        raise ConfigError(f"trainer.max_time_s must be > 0 seconds, got {cfg.trainer.max_time_s}")
    if cfg.data.batch_size < 2:
        raise ConfigError("data.batch_size must be >= 2 (contrastive losses need in-batch negatives)")


def build_trainer(cfg: PretrainConfig, run_dir: Path) -> L.Trainer:
    t = cfg.trainer
    checkpoint = ModelCheckpoint(dirpath=run_dir / "checkpoints", save_last=True, save_top_k=0,
                                 every_n_train_steps=t.checkpoint_every_n_steps)
    callbacks: list[Any] = [checkpoint, LearningRateMonitor(logging_interval="step")]
    if t.progress_bar:
        callbacks.append(TQDMProgressBar(refresh_rate=max(1, t.log_every_n_steps)))
    loggers = [TensorBoardLogger(run_dir, name="tensorboard", version=""), CSVLogger(run_dir, name="csv", version="")]
    return L.Trainer(
        default_root_dir=run_dir, max_steps=t.max_steps, max_epochs=-1, precision=t.precision,
        max_time=None if t.max_time_s is None else timedelta(seconds=t.max_time_s),
        accumulate_grad_batches=t.accumulate_grad_batches, gradient_clip_val=t.gradient_clip_val,
        val_check_interval=t.val_check_interval, check_val_every_n_epoch=None,
        limit_val_batches=t.limit_val_batches, log_every_n_steps=t.log_every_n_steps,
        accelerator=t.accelerator, devices=t.devices, num_nodes=t.num_nodes, strategy=t.strategy, deterministic=t.deterministic,
        callbacks=callbacks, logger=loggers, plugins=[AtomicCheckpointIO()], enable_progress_bar=t.progress_bar,
        num_sanity_val_steps=0, enable_model_summary=False,
    )


def run_pretrain(cfg: PretrainConfig, model: nn.Module | None = None) -> Path:
    """Train (or resume) the run in ``cfg.run_dir``; return the export folder.

    ``model`` overrides ``cfg.model`` (tests, notebooks); it must return the ``medvlp.keys`` output
    dict and expose ``.tokenizer``. Seed the global RNGs before calling (the CLI does) for
    reproducible initial weights.
    """
    validate(cfg)
    objective = build_objective(cfg, model)
    run_dir = Path(cfg.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if model is None:
        from medvlp.models import create_model

        tokenizer = None
        if cfg.model.tokenizer_vocab_size is not None:
            from medvlp.training.tokenizer_fit import fit_tokenizer

            assert cfg.data.root is not None  # checked by validate()
            tokenizer = fit_tokenizer(Path(cfg.data.root), cfg.data.train_split, cfg.model.tokenizer_vocab_size,
                                      run_dir / "tokenizer", cfg.model.tokenizer_kind, augmentation_texts(cfg.data))
        model = create_model(cfg.model.name, tokenizer=tokenizer, **cfg.model.overrides)
    if cfg.model.channels_last:
        from medvlp.models.memory_format import use_channels_last

        log.info("channels-last weights for %d 2D convolutions", use_channels_last(model))
    save_config(cfg, run_dir / "config.yaml")
    module = ContrastivePretrainModule(model, objective, cfg.optim, total_steps=cfg.trainer.max_steps,
                                       grad_checkpointing=cfg.model.grad_checkpointing)
    tokenizer = getattr(model, "tokenizer", None)
    if tokenizer is None:
        raise ConfigError(f"model {type(model).__name__} has no .tokenizer (needed to tokenise reports)")
    bank = None
    if cfg.data.augment.enabled and cfg.data.augment.finding_swaps > 0:
        from medvlp.training.sentence_bank import fit_sentence_bank

        assert cfg.data.root is not None  # checked by validate()
        bank = fit_sentence_bank(Path(cfg.data.root), cfg.data.train_split, run_dir / "sentence_bank.json")
    by_sentence = getattr(getattr(model, "config", None), "text_unit", "report") == "sentence"
    label_set = getattr(getattr(model, "text", None), "label_set", None)
    data = PretrainDataModule(cfg.data, tokenizer, seed=cfg.trainer.seed, sentence_bank=bank, by_sentence=by_sentence,
                              label_set=label_set)
    trainer = build_trainer(cfg, run_dir)
    resume = resume_checkpoint(run_dir / "checkpoints")
    if resume is not None:
        log.info("resuming from %s", resume)
    with training_threads(cfg):
        trainer.fit(module, datamodule=data, ckpt_path=resume)
    # the final state, so the same command re-run after completion is a no-op that re-exports
    trainer.save_checkpoint(run_dir / "checkpoints" / LAST_CHECKPOINT, weights_only=False)
    export_dir = run_dir / "export"
    if trainer.is_global_zero:
        export_weights(module.export_model(), export_dir,
                       {"pretrain_config": to_dict(cfg), "global_step": trainer.global_step})
        export_objective(objective, export_dir)
        modality = getattr(getattr(model, "config", None), "modality", None)
        if modality is not None:  # medvlp models: report the prompt words the shipped tokenizer lacks
            from medvlp.training.prompt_vocab import report_prompt_vocabulary

            text_tower = getattr(module.export_model(), "text", None)
            report_prompt_vocabulary(tokenizer, "ct" if modality == "ct" else "chexpert", export_dir,
                                     getattr(text_tower, "seen_tokens", None))
    return export_dir
