"""The vision-language model: image tower + text tower + projections + learnable temperature."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from transformers import PreTrainedTokenizerBase

from medvlp import keys
from medvlp.errors import ConfigError
from medvlp.models.finding_pairs import FindingPairModule
from medvlp.models.image_base import ImageEncoder, ImageEncoderOutput
from medvlp.models.knowledge import KnowledgeModule
from medvlp.models.model_config import ModelConfig
from medvlp.models.preprocess import window_hu
from medvlp.models.text import TextEncoder, TextEncoderOutput

IMAGE_TOKEN_MASK = keys.IMAGE_TOKEN_MASK  # re-exported for callers that imported it from here
ENTITY_LOGITS = keys.ENTITY_LOGITS


class PooledBatchNorm(nn.BatchNorm1d):
    """``[B, D]`` -> each channel standardised over the batch (no affine; running statistics at inference).

    Why: a CT volume's slice mean differs from another's only by its small lesions, so a fresh tower's pooled
    features are nearly identical across the batch, the projected embeddings almost collinear, and the
    contrastive loss sits at chance for hundreds of steps; removing the batch mean and scaling what is left
    lets the loss see those differences from the first step (benchmarks/RESULTS.md, session 10). A training
    batch of one (a DDP remainder) uses the running statistics instead of failing.
    """

    def __init__(self, dim: int) -> None:
        super().__init__(dim, affine=False)

    def forward(self, pooled: Tensor) -> Tensor:
        if self.training and pooled.shape[0] == 1:
            return F.batch_norm(pooled, self.running_mean, self.running_var, training=False, eps=self.eps)
        return super().forward(pooled)


def pooled_image_norm(kind: str | None, dim: int) -> PooledBatchNorm | None:
    """The model config's ``image_norm`` as a module (``None``: no normalisation)."""
    if kind is None:
        return None
    if kind == "batch":
        return PooledBatchNorm(dim)
    raise ValueError(f"image_norm must be 'batch' or null, got {kind!r}")


class VLPModel(nn.Module):
    """``model(batch) -> dict`` of L2-normalised image/text embeddings ``[B, D]`` and local tokens.

    batch: ``keys.IMAGE`` ``[B, C, H, W]`` / ``[B, C, X, Y, Z]`` in [0, 1], ``keys.INPUT_IDS`` and
    ``keys.ATTENTION_MASK`` ``[B, L]`` (``[B, S, L]``, one row per sentence, for ``text_unit: sentence``),
    ``keys.LABEL_FEATURES`` for a text tower that reads the labeler's vectors,
    optional ``keys.IMAGE_MASK`` ``bool [B, Z]``, ``keys.SLICE_POSITIONS`` ``[B, Z]`` mm, ``keys.KEY`` (volume
    ids for the slice cache) and ``keys.SWAP_INPUT_IDS`` ``[B * H, (S,) L]`` (finding-swap negatives, encoded to
    ``keys.SWAP_EMBEDS`` ``[B, H, D]``).
    """

    def __init__(self, config: ModelConfig, visual: ImageEncoder, text: TextEncoder) -> None:
        super().__init__()
        self.config = config
        self.visual = visual
        self.text = text
        self.image_norm = pooled_image_norm(config.image_norm, visual.embed_dim)
        self.image_proj = nn.Linear(visual.embed_dim, config.embed_dim, bias=False)
        self.text_proj = nn.Linear(text.embed_dim, config.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.init_temperature)))
        self.logit_bias = None if config.siglip_bias is None else nn.Parameter(torch.tensor(config.siglip_bias))
        self.knowledge: KnowledgeModule | None = None
        self.finding_pairs: FindingPairModule | None = None

    @property
    def tokenizer(self) -> PreTrainedTokenizerBase:
        return self.text.tokenizer

    @property
    def device(self) -> torch.device:
        return self.logit_scale.device

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        """Activation checkpointing in both towers (same gradients, less memory)."""
        self.visual.set_grad_checkpointing(enable)
        self.text.set_grad_checkpointing(enable)

    def scale(self) -> Tensor:
        """exp(log-scale), clamped at ``max_logit_scale`` (100) as in CLIP."""
        return self.logit_scale.exp().clamp(max=self.config.max_logit_scale)

    def image_forward(self, images: Tensor, slice_mask: Tensor | None = None, slice_positions: Tensor | None = None,
                      volume_ids: Sequence[str] | None = None) -> tuple[Tensor, ImageEncoderOutput]:
        """-> normalised embeddings ``[B, D]`` and the raw encoder output."""
        extra = {"volume_ids": volume_ids} if volume_ids is not None else {}
        out = self.visual(images, slice_mask=slice_mask, slice_positions=slice_positions, **extra)
        pooled = out.pooled if self.image_norm is None else self.image_norm(out.pooled)
        return F.normalize(self.image_proj(pooled), dim=-1), out

    def window_ct(self, volume_hu: Tensor) -> Tensor:
        """CT in HU (as datasets yield it) -> [0, 1] with this model's ``vision.hu_window``."""
        if self.config.vision.hu_window is None:
            raise ConfigError(f"model {self.config.name!r} has no vision.hu_window (not a CT model?)")
        return window_hu(volume_hu, self.config.vision.hu_window)

    def encode_image(self, images: Tensor, slice_mask: Tensor | None = None,
                     slice_positions: Tensor | None = None) -> Tensor:
        """Images -> L2-normalised embeddings ``[B, D]``."""
        return self.image_forward(images, slice_mask, slice_positions)[0]

    @property
    def by_sentence(self) -> bool:
        """Whether texts are encoded sentence by sentence (``config.text_unit == "sentence"``)."""
        return self.config.text_unit == "sentence"

    def tokenize(self, texts: Sequence[str]) -> dict[str, Tensor]:
        """``[B, L]`` ids/mask, or ``[B, S, L]`` (one row per sentence) for a sentence-unit model."""
        if self.by_sentence:
            return self.text.tokenize_by_sentence(texts, device=self.device)
        return self.text.tokenize(texts, device=self.device)

    def text_embeddings(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                        label_features: Tensor | None = None) -> tuple[Tensor, TextEncoderOutput]:
        """ids ``[B, L]`` or ``[B, S, L]`` (and the labeler vectors of a tower that reads them) -> normalised
        embeddings ``[B, D]`` and the tower's raw output.

        Sentence units: every sentence embedding is normalised, so each sentence weighs the same in the
        mean, and the mean is normalised again; a text is then the bag of what its sentences state, on the
        same sphere as a one-sentence prompt.
        """
        out = self.text(input_ids, attention_mask, label_features)
        projected = F.normalize(self.text_proj(out.pooled), dim=-1)  # [B, D] or [B, S, D]
        if input_ids.ndim == 2:
            return projected, out
        real = out.mask.any(-1, keepdim=True).to(projected.dtype)  # [B, S, 1]; a text with none keeps zeros
        mean = (projected * real).sum(1) / real.sum(1).clamp_min(1.0)
        return F.normalize(mean, dim=-1), out

    def encode_text(self, texts: Sequence[str]) -> Tensor:
        """Texts (tokenised with the model's own tokenizer) -> L2-normalised embeddings ``[B, D]``."""
        enc = self.tokenize(texts)
        return self.text_embeddings(enc["input_ids"], enc["attention_mask"], enc.get(keys.LABEL_FEATURES))[0]

    def entity_embeddings(self) -> Tensor | None:
        """Knowledge entity embeddings ``[K, D]`` (zero-shot classifier weights), or None if off."""
        if self.knowledge is None:
            return None
        return self.knowledge.entity_embeddings(self.text, self.text_proj)

    def image_parameters(self) -> list[nn.Parameter]:
        """The parameters :meth:`image_outputs` trains: image tower, its normalisation and projection (not the
        temperature: an image-only objective that wants one owns it)."""
        modules = [self.visual, self.image_proj] + ([self.image_norm] if self.image_norm is not None else [])
        return [param for module in modules for param in module.parameters()]

    def image_outputs(self, batch: Mapping[str, Any]) -> dict[str, Tensor]:
        """The image tower's part of :meth:`forward` (embeddings, logit scale, tokens, slice attention), for
        objectives that read no text (the supervised baseline), so the text tower is not run for nothing."""
        volume_ids = batch.get(keys.KEY)
        image_embeds, image_out = self.image_forward(
            batch[keys.IMAGE], batch.get(keys.IMAGE_MASK), batch.get(keys.SLICE_POSITIONS),
            list(volume_ids) if isinstance(volume_ids, (list, tuple)) else None,
        )
        out: dict[str, Tensor] = {keys.IMAGE_EMBEDS: image_embeds, keys.LOGIT_SCALE: self.scale()}
        if image_out.tokens is not None:
            out[keys.IMAGE_TOKENS] = self.image_proj(image_out.tokens)
        if image_out.token_mask is not None:
            out[IMAGE_TOKEN_MASK] = image_out.token_mask
        if image_out.slice_attention is not None:
            out[keys.SLICE_ATTENTION] = image_out.slice_attention
        if self.logit_bias is not None:
            out[keys.LOGIT_BIAS] = self.logit_bias
        return out

    def forward(self, batch: Mapping[str, Any]) -> dict[str, Tensor]:
        out = self.image_outputs(batch)
        image_embeds = out[keys.IMAGE_EMBEDS]
        text_embeds, text_out = self.text_embeddings(batch[keys.INPUT_IDS], batch.get(keys.ATTENTION_MASK),
                                                     batch.get(keys.LABEL_FEATURES))
        n_texts = text_embeds.shape[0]  # sentence rows laid end to end: [B, S * L, D]
        text_tokens = self.text_proj(text_out.tokens).reshape(n_texts, -1, text_embeds.shape[-1])
        text_mask = text_out.mask.reshape(n_texts, -1)
        out.update({keys.TEXT_EMBEDS: text_embeds, keys.TEXT_TOKENS: text_tokens, keys.TEXT_TOKEN_MASK: text_mask})
        entity_embeds = self.entity_embeddings()
        if entity_embeds is not None and self.knowledge is not None:
            out[keys.ENTITY_EMBEDS] = entity_embeds
            out[ENTITY_LOGITS] = self.knowledge.presence_logits(entity_embeds, text_tokens, text_mask)
        if keys.SWAP_INPUT_IDS in batch:  # finding-swap hard negatives [B * H, (S,) L] -> [B, H, D]
            embeds = self.text_embeddings(batch[keys.SWAP_INPUT_IDS], batch.get(keys.SWAP_ATTENTION_MASK),
                                          batch.get(keys.SWAP_LABEL_FEATURES))[0]
            out[keys.SWAP_EMBEDS] = embeds.reshape(image_embeds.shape[0], -1, embeds.shape[-1])
        if self.finding_pairs is not None:
            out[keys.FINDING_PAIR_EMBEDS] = self.finding_pairs.embeddings(self.text, self.text_proj)
            out[keys.FINDING_PAIR_INDEX] = self.finding_pairs.index()
        return out
