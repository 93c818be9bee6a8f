"""Helpers for training tests: tiny shards on disk, a tiny tokenizer and a tiny VLP-style model.

The tiny data has learnable structure: sample class ``c`` has an image with a bright band at a
class-specific row and a report naming finding ``c``, so a model can really align the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from transformers import BertTokenizerFast

from medvlp import keys
from medvlp.config import load_config
from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.knowledge.findings import CHEXPERT

WORDS = ["effusion", "edema", "nodule", "fracture", "clear", "left", "right", "small", "large", "no"]
N_CLASSES = 4


def tiny_tokenizer() -> BertTokenizerFast:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    return BertTokenizerFast(vocab={w: i for i, w in enumerate(vocab)})


def sample_members(index: int, rng: np.random.Generator, size: int = 16, report: str | None = None,
                   split: str = "train") -> dict[str, bytes]:
    cls = index % N_CLASSES
    pixels = rng.integers(0, 60, size=(size, size)).astype(np.uint8)
    pixels[cls * 4 : cls * 4 + 3] = 250  # class-specific bright band
    side = WORDS[5 + (index % 2)]
    sentences = [f"{WORDS[cls]}", f"{side} {WORDS[7 + index % 2]}"]
    labels = {name: None for name in CHEXPERT.labels}
    labels[CHEXPERT.labels[1 + cls]] = 1
    meta = {"patient_id": f"p{index}", "study_id": f"s{index}", "modality": "CR", "view_position": "PA",
            "split": split, "label_set": "chexpert", "labels": labels, "sentences": sentences,
            "pixel_dtype": "uint8", "source_index": index}
    text = " ".join(sentences) if report is None else report
    return {"npy": npy_bytes(pixels), "json": json_bytes(meta), "txt": text.encode()}


def write_tiny_shards(root: Path, n_samples: int = 32, n_shards: int = 4, split: str = "train",
                      seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    per = -(-n_samples // n_shards)
    for s in range(n_shards):
        samples = [(f"{split}{i:05d}", sample_members(i, rng, split=split))
                   for i in range(s * per, min(n_samples, (s + 1) * per))]
        path = root / "shards" / f"{split}-{s:06d}.tar"
        write_tar(path, samples)
        paths.append(path)
    return paths


class TinyVLP(nn.Module):
    """Image: flatten -> MLP; text: masked mean of token embeddings -> linear. Documented output dict."""

    def __init__(self, image_pixels: int = 256, dim: int = 16, vocab: int = 32) -> None:
        super().__init__()
        self.tokenizer = tiny_tokenizer()
        self.image = nn.Sequential(nn.Flatten(), nn.Linear(image_pixels, 32), nn.LayerNorm(32), nn.ReLU(),
                                   nn.Linear(32, dim))
        self.embed = nn.Embedding(vocab, dim)
        self.text = nn.Linear(dim, dim)
        self.logit_scale = nn.Parameter(torch.tensor(np.log(10.0), dtype=torch.float32))

    def forward(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        mask = batch[keys.ATTENTION_MASK].float()  # [B, L]
        tokens = self.embed(batch[keys.INPUT_IDS])  # [B, L, D]
        pooled = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return {
            keys.IMAGE_EMBEDS: F.normalize(self.image(batch[keys.IMAGE]), dim=-1),
            keys.TEXT_EMBEDS: F.normalize(self.text(pooled), dim=-1),
            keys.LOGIT_SCALE: self.logit_scale.exp().clamp(max=100.0),
            keys.TEXT_TOKENS: tokens,
            keys.TEXT_TOKEN_MASK: mask.bool(),
        }


class ImageOnlyTinyVLP(TinyVLP):
    """TinyVLP that can run its image tower alone, counting the full (text-running) calls."""

    def __init__(self) -> None:
        super().__init__()
        self.full_calls = 0
        self.image_calls = 0

    def forward(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        self.full_calls += 1
        return super().forward(batch)

    def image_parameters(self) -> list[nn.Parameter]:
        return list(self.image.parameters())

    def image_outputs(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        self.image_calls += 1
        return {keys.IMAGE_EMBEDS: F.normalize(self.image(batch[keys.IMAGE]), dim=-1),
                keys.LOGIT_SCALE: self.logit_scale.exp()}


def tiny_overrides(root: Path, run_dir: Path, *extra: str) -> list[str]:
    """Dotted overrides for a seconds-long CPU run on the tiny shards (later ``extra`` ones win)."""
    return [
        f"data.root={root}", f"run_dir={run_dir}", "data.image_size=[16, 16]", "data.batch_size=16",
        "data.num_workers=0", "data.augment.crop_scale=[0.9, 1.0]", "data.augment.rotate_degrees=3",
        "optim.lr=0.01", "optim.warmup_steps=2", "optim.weight_decay=0.0", "trainer.max_steps=30",
        "trainer.val_check_interval=15", "trainer.limit_val_batches=1", "trainer.log_every_n_steps=1",
        "trainer.checkpoint_every_n_steps=10", "trainer.accelerator=cpu", "trainer.progress_bar=false",
        "trainer.precision=32-true", *extra,
    ]


def tiny_config(root: Path, run_dir: Path, *extra: str) -> Any:
    from medvlp.training import PretrainConfig

    return load_config(PretrainConfig, None, tiny_overrides(root, run_dir, *extra))


class RecordingTinyVLP(TinyVLP):
    """:class:`TinyVLP` that appends every training sample key it sees to ``<record_dir>/rank<r>.txt``
    (the process's DDP rank), so a test can check which samples each rank consumed."""

    def __init__(self, record_dir: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record_dir = str(record_dir)

    def forward(self, batch: dict[str, Any]) -> dict[str, torch.Tensor]:
        if self.training and keys.KEY in batch:
            import torch.distributed as dist

            rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
            with open(Path(self.record_dir) / f"rank{rank}.txt", "a") as fh:
                fh.write("".join(f"{k}\n" for k in batch[keys.KEY]))
        return super().forward(batch)
