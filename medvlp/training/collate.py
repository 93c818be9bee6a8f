"""Batching: stack images/labels and tokenise reports with the model's tokenizer."""

from __future__ import annotations

from typing import Any

import torch
from transformers import PreTrainedTokenizerBase

from medvlp import keys
from medvlp.training.stream import SkipCounter, unusable_reason

PASSTHROUGH = (keys.KEY, keys.REPORT, keys.STUDY, keys.PATIENT)


class PretrainCollate:
    """``list[sample] -> batch``: IMAGE ``[B, C, ...]``, INPUT_IDS/ATTENTION_MASK ``[B, L]``, LABELS ``[B, K]``;
    volumes also IMAGE_MASK ``[B, Z]`` and, when every sample has them, SLICE_POSITIONS ``[B, Z]`` mm.

    Samples that cannot train (empty report, non-finite pixels) are dropped and counted; a batch
    left empty becomes ``None`` (the module skips it).
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_length: int = 128) -> None:
        self.tokenizer, self.max_length = tokenizer, max_length
        self.skips = SkipCounter("collate")

    def __call__(self, samples: list[dict[str, Any]]) -> dict[str, Any] | None:
        kept = []
        for sample in samples:
            reason = unusable_reason(sample)
            if reason:
                self.skips.skip(reason, sample.get(keys.KEY))
            else:
                kept.append(sample)
        if not kept:
            return None
        tokens = self.tokenizer([s[keys.REPORT] for s in kept], padding=True, truncation=True,
                                max_length=self.max_length, return_tensors="pt")
        batch: dict[str, Any] = {
            keys.IMAGE: torch.stack([torch.as_tensor(s[keys.IMAGE], dtype=torch.float32) for s in kept]),
            keys.INPUT_IDS: tokens["input_ids"],
            keys.ATTENTION_MASK: tokens["attention_mask"],
        }
        if all(keys.LABELS in s for s in kept) and len({s[keys.LABELS].shape for s in kept}) == 1:
            batch[keys.LABELS] = torch.stack([s[keys.LABELS] for s in kept])
        if all(keys.IMAGE_MASK in s for s in kept):
            batch[keys.IMAGE_MASK] = torch.stack([torch.as_tensor(s[keys.IMAGE_MASK]) for s in kept])
        depth = batch[keys.IMAGE].shape[-1]
        if batch[keys.IMAGE].ndim == 5 and all(len(s.get(keys.SLICE_POSITIONS, ())) == depth for s in kept):
            # mm positions of the slices given (``SliceSampled``); without them the encoder assumes 1 mm
            batch[keys.SLICE_POSITIONS] = torch.stack(
                [torch.as_tensor(s[keys.SLICE_POSITIONS], dtype=torch.float32) for s in kept])
        for key in PASSTHROUGH:
            batch[key] = [s.get(key) for s in kept]
        return batch
