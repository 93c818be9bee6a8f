"""``PretrainDataModule``: the resumable training stream and a finite validation split."""

from __future__ import annotations

from typing import Any

import lightning as L
from torch.utils.data import DataLoader
from transformers import PreTrainedTokenizerBase

from medvlp.data.datasets import ShardDataset
from medvlp.data.shards import shard_files
from medvlp.errors import ConfigError, InputError
from medvlp.knowledge.finding_swap import SentenceBank
from medvlp.training.augment import SampleAugmenter, TrainAugmenterFactory
from medvlp.training.collate import PretrainCollate
from medvlp.training.config import DataSection
from medvlp.training.stream import PretrainStream


class _EvalTransform:
    """Deterministic (non-augmenting) pipeline for validation samples."""

    def __init__(self, cfg: DataSection) -> None:
        self.augmenter = SampleAugmenter(cfg, train=False)

    def __call__(self, sample: dict[str, Any]) -> dict[str, Any]:
        return self.augmenter(sample, 0)


class PretrainDataModule(L.LightningDataModule):
    """Streams ``<root>/shards/<split>-*.tar`` (ingest output) into tokenised batches.

    The training loader resumes mid-stream: it starts after ``global_step * accumulate_grad_batches``
    batches of the restored trainer, so a resumed run sees exactly the batches it would have seen.
    """

    def __init__(self, cfg: DataSection, tokenizer: PreTrainedTokenizerBase, seed: int = 0,
                 sentence_bank: SentenceBank | None = None, by_sentence: bool = False,
                 label_set: str | None = None) -> None:
        super().__init__()
        if cfg.root is None:
            raise ConfigError("data.root is not set (the ingest output folder holding shards/)")
        self.cfg, self.tokenizer, self.seed = cfg, tokenizer, seed
        self.sentence_bank = sentence_bank  # finding-swap negatives (data.augment.finding_swaps)
        # by_sentence: the model encodes texts sentence by sentence (model config text_unit: sentence)
        # label_set: the text tower reads the labeler's vector of each text (text.params.label_features)
        self.collate = PretrainCollate(tokenizer, cfg.max_text_length, by_sentence, label_set)

    def train_shards(self) -> list:
        shards = shard_files(self.cfg.root / "shards", self.cfg.train_split)  # type: ignore[operator]
        if not shards:
            raise InputError(self.cfg.root, f"no '{self.cfg.train_split}-*.tar' shards under shards/")
        return shards

    def _start_batch(self) -> int:
        trainer = self.trainer
        if trainer is None:
            return 0
        return trainer.global_step * trainer.accumulate_grad_batches

    def train_dataloader(self) -> DataLoader:
        trainer = self.trainer
        rank, world = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        stream = PretrainStream(self.train_shards(), TrainAugmenterFactory(self.cfg, self.sentence_bank), self.cfg.batch_size,
                                seed=self.seed, rank=rank, world_size=world, shuffle_buffer=self.cfg.shuffle_buffer,
                                start_batch=self._start_batch(), dims=self.cfg.dims)
        return DataLoader(stream, batch_size=self.cfg.batch_size, num_workers=self.cfg.num_workers,
                          collate_fn=self.collate, persistent_workers=False)

    def val_dataloader(self) -> DataLoader | list:
        if self.cfg.val_split is None or not shard_files(self.cfg.root / "shards", self.cfg.val_split):  # type: ignore[operator]
            return []
        trainer = self.trainer
        rank, world = (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
        dataset = ShardDataset(self.cfg.root, split=self.cfg.val_split, transform=_EvalTransform(self.cfg),  # type: ignore[arg-type]
                               rank=rank, world_size=world, dims=self.cfg.dims)
        return DataLoader(dataset, batch_size=self.cfg.batch_size, num_workers=min(1, self.cfg.num_workers),
                          collate_fn=self.collate)
