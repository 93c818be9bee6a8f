"""Batching: stack images/labels and tokenise reports with the model's tokenizer."""

from __future__ import annotations

from typing import Any

import torch
from transformers import PreTrainedTokenizerBase

from medvlp import keys
from medvlp.models.text import sentence_lists, tokenize_documents, tokenize_texts
from medvlp.training.stream import SkipCounter, unusable_reason

PASSTHROUGH = (keys.KEY, keys.REPORT, keys.STUDY, keys.PATIENT)


class PretrainCollate:
    """``list[sample] -> batch``: IMAGE ``[B, C, ...]``, INPUT_IDS/ATTENTION_MASK ``[B, L]``, LABELS ``[B, K]``;
    volumes also IMAGE_MASK ``[B, Z]`` and, when every sample has them, SLICE_POSITIONS ``[B, Z]`` mm; with
    finding-swap negatives SWAP_INPUT_IDS / SWAP_ATTENTION_MASK ``[B * H, L]`` and SWAP_MASK ``bool [B, H]``.
    ``by_sentence`` (a sentence-unit model): texts are split into sentences, ids/masks ``[B, S, L]``.
    ``label_set`` (a tower built with ``label_features``): also LABEL_FEATURES (and SWAP_LABEL_FEATURES), the
    labeler's vector of each text.

    Samples that cannot train (empty report, non-finite pixels) are dropped and counted; a batch
    left empty becomes ``None`` (the module skips it).
    """

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_length: int = 128, by_sentence: bool = False,
                 label_set: str | None = None) -> None:
        self.tokenizer, self.max_length, self.by_sentence = tokenizer, max_length, by_sentence
        self.label_set = label_set
        self.skips = SkipCounter("collate")

    def tokenize(self, texts: list[str]) -> dict[str, Any]:
        """``[N, L]`` ids/mask, or ``[N, S, L]`` (one row per sentence) for a sentence-unit model."""
        if self.by_sentence:
            return tokenize_documents(self.tokenizer, sentence_lists(texts), self.max_length, self.label_set)
        return tokenize_texts(self.tokenizer, texts, self.max_length, self.label_set)

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
        tokens = self.tokenize([s[keys.REPORT] for s in kept])
        batch: dict[str, Any] = {
            keys.IMAGE: torch.stack([torch.as_tensor(s[keys.IMAGE], dtype=torch.float32) for s in kept]),
            keys.INPUT_IDS: tokens["input_ids"],
            keys.ATTENTION_MASK: tokens["attention_mask"],
        }
        if keys.LABEL_FEATURES in tokens:
            batch[keys.LABEL_FEATURES] = tokens[keys.LABEL_FEATURES]
        if all(keys.LABELS in s for s in kept) and len({s[keys.LABELS].shape for s in kept}) == 1:
            batch[keys.LABELS] = torch.stack([s[keys.LABELS] for s in kept])
        if all(keys.IMAGE_MASK in s for s in kept):
            batch[keys.IMAGE_MASK] = torch.stack([torch.as_tensor(s[keys.IMAGE_MASK]) for s in kept])
        depth = batch[keys.IMAGE].shape[-1]
        if batch[keys.IMAGE].ndim == 5 and all(len(s.get(keys.SLICE_POSITIONS, ())) == depth for s in kept):
            # mm positions of the slices given (``SliceSampled``); without them the encoder assumes 1 mm
            batch[keys.SLICE_POSITIONS] = torch.stack(
                [torch.as_tensor(s[keys.SLICE_POSITIONS], dtype=torch.float32) for s in kept])
        if any(keys.SWAP_NEGATIVES in s for s in kept):
            batch.update(self._swap_negatives(kept))
        for key in PASSTHROUGH:
            batch[key] = [s.get(key) for s in kept]
        return batch

    def _swap_negatives(self, kept: list[dict[str, Any]]) -> dict[str, Any]:
        """H slots per report (the most any report has); an empty slot holds the report itself, masked out."""
        lists = [list(s.get(keys.SWAP_NEGATIVES) or []) for s in kept]
        slots = max(1, max(len(x) for x in lists))
        mask = torch.tensor([[j < len(x) for j in range(slots)] for x in lists], dtype=torch.bool)
        texts = [x[j] if j < len(x) else s[keys.REPORT] for s, x in zip(kept, lists, strict=True) for j in range(slots)]
        tokens = self.tokenize(texts)
        out = {keys.SWAP_INPUT_IDS: tokens["input_ids"], keys.SWAP_ATTENTION_MASK: tokens["attention_mask"],
               keys.SWAP_MASK: mask}
        if keys.LABEL_FEATURES in tokens:
            out[keys.SWAP_LABEL_FEATURES] = tokens[keys.LABEL_FEATURES]
        return out
