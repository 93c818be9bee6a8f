"""Typed configuration of a pretraining run (``configs/pretrain/*.yaml``, see ``base.yaml``).

Loaded with :func:`medvlp.config.load_config`, so unknown keys and wrong types fail with their dotted
path before anything is built or read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medvlp.errors import ConfigError


@dataclass
class ModelSection:
    name: str = "cxr_tiny"  # medvlp/models/model_configs/<name>.json
    overrides: dict[str, Any] = field(default_factory=dict)  # keyword overrides for create_model
    grad_checkpointing: bool = False
    # store 2D convolution weights channels-last (NHWC): same model, faster convolutions
    # (CPU: faster for small chunks such as slice encoders, slower for larger 2D batches: measure;
    # on CUDA the usual layout for mixed precision)
    channels_last: bool = False
    # tiny BERT towers: train a WordPiece tokenizer of this size on the training reports (None: the
    # model config's own tokenizer). Saved in run_dir/tokenizer and inside the exported checkpoint.
    tokenizer_vocab_size: int | None = None
    # "wordpiece": sub-word pieces; "words": whole words only (an unknown word is one [UNK])
    tokenizer_kind: Literal["wordpiece", "words"] = "wordpiece"


@dataclass
class AugmentSection:
    enabled: bool = True
    crop_scale: tuple[float, float] = (0.6, 1.0)  # random resized crop, area fraction kept
    rotate_degrees: float = 10.0  # small rotations only; never a horizontal flip (lateralised anatomy)
    brightness: float = 0.1
    contrast: float = 0.1
    shuffle_sentences: bool = True
    max_sentences: int | None = None  # keep a random subset of at most this many sentences
    synonym_swap: float = 0.0  # chance that a finding mention becomes another knowledge-base synonym
    nonce_words: float = 0.0  # chance of an invented word after each report word (unknown words: no meaning)
    negation_swap: float = 0.0  # chance that a negation cue becomes another of its interchangeable group
    # hard negatives per report: real report sentences of the training split trade an affirmed and a denied
    # finding (medvlp.knowledge.finding_swap; RESULTS.md session 11)
    finding_swaps: int = 0  # hard negatives per report, read by the swap_negatives objective
    # 3D: which slices a training volume keeps: one random slice per equal bin over the whole volume
    # (stratified; a stated finding is never cut away) or a random contiguous run (window)
    slice_sampling: Literal["stratified", "window"] = "stratified"

    def __post_init__(self) -> None:
        for name in ("synonym_swap", "nonce_words", "negation_swap"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"data.augment.{name} is a probability in [0, 1], got {getattr(self, name)}")
        if self.finding_swaps < 0:
            raise ConfigError(f"data.augment.finding_swaps is a count >= 0, got {self.finding_swaps}")


@dataclass
class DataSection:
    root: Path | None = None  # ingest output folder holding shards/ (and splits.json)
    train_split: str = "train"
    val_split: str | None = "valid"
    dims: Literal[2, 3] = 2
    image_size: tuple[int, ...] = (224, 224)  # 2D [H, W]; 3D in-plane [X, Y]
    n_slices: int = 32  # 3D: slices kept per volume (padded/masked when shorter)
    hu_center: float = -300.0  # 3D window, HU
    hu_width: float = 1600.0
    batch_size: int = 32
    num_workers: int = 2
    max_text_length: int = 128
    shuffle_buffer: int = 128
    augment: AugmentSection = field(default_factory=AugmentSection)


@dataclass
class ObjectiveTerm:
    loss: str | None = None  # registry name in medvlp.objectives.LOSSES (default: the term's key)
    weight: float = 1.0
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class OptimSection:
    lr: float = 1e-4
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.98)
    eps: float = 1e-6
    warmup_steps: int = 100
    min_lr_ratio: float = 0.0  # cosine floor as a fraction of lr
    ema_decay: float | None = None  # e.g. 0.999; None disables the EMA copy


@dataclass
class TrainerSection:
    max_steps: int = 1000
    # The schedule stays the max_steps one, so a run cut short ends before its learning rate has decayed.
    max_time_s: float | None = None  # wall-clock budget in seconds (across resumes); stops, checkpoints, exports
    precision: Literal["32-true", "32", "bf16-mixed", "16-mixed", "bf16-true"] = "32-true"
    accumulate_grad_batches: int = 1
    gradient_clip_val: float | None = 1.0
    val_check_interval: int = 200  # optimizer-independent: counted in training batches
    limit_val_batches: int = 8
    log_every_n_steps: int = 10
    checkpoint_every_n_steps: int = 100
    accelerator: str = "auto"
    devices: int | str = 1
    num_nodes: int = 1  # multi-node DDP (torchrun / Slurm: one task per GPU, Lightning reads the env)
    strategy: str = "auto"
    deterministic: bool = False
    seed: int = 0
    progress_bar: bool = True


@dataclass
class PretrainConfig:
    run_dir: Path = Path("runs/pretrain")
    model: ModelSection = field(default_factory=ModelSection)
    data: DataSection = field(default_factory=DataSection)
    objective: dict[str, ObjectiveTerm] = field(default_factory=lambda: {"infonce": ObjectiveTerm()})
    optim: OptimSection = field(default_factory=OptimSection)
    trainer: TrainerSection = field(default_factory=TrainerSection)
