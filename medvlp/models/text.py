"""Text encoders (registry ``TEXT_ENCODERS``): Hugging Face models from local folders, or tiny BERTs.

Reports or sentences -> token features ``[B, L, D]`` -> pooled ``[B, D]`` (CLS or masked mean).
Sentence-level input ``[B, S, L]`` pools per sentence into ``[B, S, D]``.

``label_features`` (a label set name): the tower also reads what the report labeler finds in each text
(:mod:`medvlp.knowledge.label_features`) and adds a learned projection of it to the pooled output; the
tokenize methods then return the vectors too (``label_features`` ``[B, 3K]`` / ``[B, S, 3K]``).

A tower trained from scratch (``drop_unseen_tokens``) records which token ids it was trained on; at
inference it leaves out the others. Their embeddings are still the random initial values, so reading
them adds noise and nothing else: a zero-shot prompt worded with words the reports never use would
otherwise move by as much as its negation does (benchmarks/RESULTS.md, session 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from torch import Tensor, nn
from transformers import (
    AutoConfig,
    AutoModel,
    BertConfig,
    BertModel,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from medvlp import keys
from medvlp.errors import ConfigError
from medvlp.knowledge.label_features import document_label_features, label_feature_size, label_features
from medvlp.models.errors import WeightsError
from medvlp.models.tokenizer import builtin_tokenizer, load_tokenizer
from medvlp.registry import Registry
from medvlp.text.sentences import split_sentences

Pooling = Literal["cls", "mean"]


@dataclass
class TextEncoderOutput:
    """pooled ``[B, D]`` (or ``[B, S, D]``), tokens ``[B, L, D]`` (or ``[B, S, L, D]``), mask like input_ids."""

    pooled: Tensor
    tokens: Tensor
    mask: Tensor


def pool_tokens(tokens: Tensor, mask: Tensor, pooling: Pooling) -> Tensor:
    """``[N, L, D]`` + ``bool [N, L]`` -> ``[N, D]``. Mean over an all-padding row gives zeros, not NaN."""
    if pooling == "cls":
        return tokens[:, 0]
    weights = mask.to(tokens.dtype).unsqueeze(-1)
    return (tokens * weights).sum(1) / weights.sum(1).clamp_min(1.0)


def sentence_lists(texts: Sequence[str]) -> list[list[str]]:
    """Each text as its sentences (:func:`medvlp.text.sentences.split_sentences`); an empty text stays one
    empty sentence."""
    return [split_sentences(t) or [t] for t in texts]


def tokenize_texts(tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int,
                   label_set: str | None = None) -> dict[str, Tensor]:
    """Texts -> ``input_ids`` / ``attention_mask`` ``[B, L]`` (padded to the longest, truncated), and with a
    ``label_set`` the labeler's ``label_features`` ``[B, 3K]``."""
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    out = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    if label_set is not None:
        out[keys.LABEL_FEATURES] = label_features(texts, label_set)
    return out


def tokenize_documents(tokenizer: PreTrainedTokenizerBase, documents: Sequence[Sequence[str]], max_length: int,
                       label_set: str | None = None) -> dict[str, Tensor]:
    """Lists of sentences -> ``input_ids`` / ``attention_mask`` ``[B, S, L]`` (missing sentences are all padding;
    each sentence truncated to ``max_length`` tokens), and with a ``label_set`` ``label_features`` ``[B, S, 3K]``."""
    flat = [s for doc in documents for s in doc] or [""]
    enc = tokenizer(flat, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    s_max = max(1, max((len(doc) for doc in documents), default=1))
    ids = enc["input_ids"].new_full((len(documents), s_max, enc["input_ids"].shape[1]), tokenizer.pad_token_id or 0)
    mask = torch.zeros_like(ids)
    start = 0
    for b, doc in enumerate(documents):
        ids[b, : len(doc)] = enc["input_ids"][start : start + len(doc)]
        mask[b, : len(doc)] = enc["attention_mask"][start : start + len(doc)]
        start += len(doc)
    out = {"input_ids": ids, "attention_mask": mask}
    if label_set is not None:
        out[keys.LABEL_FEATURES] = document_label_features(documents, label_set, s_max)
    return out


def keep_tokens(input_ids: Tensor, mask: Tensor, keep: Tensor, pad_id: int) -> tuple[Tensor, Tensor]:
    """Left-pack the tokens of ``input_ids [N, L]`` where ``mask & keep``; the rest becomes padding.

    Shapes are kept (``[N, L]``), so kept tokens get consecutive positions as in an input without the
    dropped ones.
    """
    kept = mask & keep
    order = torch.argsort((~kept).to(torch.int8), dim=1, stable=True)  # kept first, in their order
    packed_mask = kept.gather(1, order)
    packed_ids = input_ids.gather(1, order).masked_fill(~packed_mask, pad_id)
    return packed_ids, packed_mask


class TextEncoder(nn.Module):
    """A transformers encoder plus the tokenizer that goes with it.

    ``drop_unseen_tokens``: keep a persistent buffer ``seen_tokens [V]`` (1.0 for every token id a
    training forward has read) and, in eval mode, leave out the token ids never seen (only for towers
    trained from scratch; a pretrained tower knows its whole vocabulary). Until some token is seen
    nothing is left out, so an untrained tower reads its input whole.

    ``label_features``: a label set name; ``forward`` then needs the texts' labeler vectors (from
    ``tokenize``), projected by ``label_proj`` and added to the pooled output.
    """

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, pooling: Pooling = "cls",
                 max_length: int = 128, drop_unseen_tokens: bool = False, label_features: str | None = None) -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ConfigError(f"text pooling must be 'cls' or 'mean', got {pooling!r}")
        if isinstance(getattr(model, "pooler", None), nn.Module):
            # Pooling is ours (CLS / mean); BERT's extra dense "pooler" would be an unused parameter
            # block (breaks DDP, and open_clip checkpoints don't carry it).
            setattr(model, "pooler", None)  # noqa: B010
        self.model = model
        self.tokenizer = tokenizer
        self.pooling: Pooling = pooling
        self.max_length = max_length
        self.embed_dim = int(model.config.hidden_size)
        self.drop_unseen_tokens = drop_unseen_tokens
        # float, not bool: DDP broadcasts it, EMA averages it (> 0 means seen), safetensors stores it
        n_ids = max(int(model.config.vocab_size), len(tokenizer))
        self.seen_tokens: Tensor | None
        self.register_buffer("seen_tokens", torch.zeros(n_ids) if drop_unseen_tokens else None)
        self.label_set = label_features
        self.label_proj = (None if label_features is None
                           else nn.Linear(label_feature_size(label_features), self.embed_dim, bias=False))

    def _track_or_drop_unseen(self, ids: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """Training: mark the ids read as seen. Eval: leave out ids never seen (``[N, L]`` in and out)."""
        seen = self.seen_tokens
        if seen is None:
            return ids, mask
        if self.training:
            with torch.no_grad():  # a scatter, not boolean indexing: no host sync on the training step
                seen.scatter_reduce_(0, ids.flatten(), mask.flatten().to(seen.dtype), reduce="amax")
            return ids, mask
        if not bool((seen > 0).any()):
            return ids, mask
        return keep_tokens(ids, mask, seen[ids] > 0, int(self.tokenizer.pad_token_id or 0))

    def tokenize_by_sentence(self, texts: Sequence[str], device: torch.device | str | None = None
                             ) -> dict[str, Tensor]:
        """Texts split into sentences -> ``[B, S, L]`` ids/mask (a text without a sentence break is one sentence)."""
        return self.tokenize_sentences(sentence_lists(texts), device)

    def tokenize(self, texts: Sequence[str], device: torch.device | str | None = None) -> dict[str, Tensor]:
        """Texts -> ``input_ids`` / ``attention_mask`` ``[B, L]`` (padded to the longest, truncated), plus
        ``label_features`` ``[B, 3K]`` for a tower that reads them."""
        enc = tokenize_texts(self.tokenizer, texts, self.max_length, self.label_set)
        return {k: v.to(device) for k, v in enc.items()}

    def tokenize_sentences(self, documents: Sequence[Sequence[str]], device: torch.device | str | None = None
                           ) -> dict[str, Tensor]:
        """Lists of sentences -> ``[B, S, L]`` ids/mask (missing sentences are all padding)."""
        enc = tokenize_documents(self.tokenizer, documents, self.max_length, self.label_set)
        return {k: v.to(device) for k, v in enc.items()}

    def forward(self, input_ids: Tensor, attention_mask: Tensor | None = None,
                label_features: Tensor | None = None) -> TextEncoderOutput:
        """input_ids ``[B, L]`` or ``[B, S, L]`` (``label_features`` ``[B, 3K]`` / ``[B, S, 3K]`` for a tower
        built with ``label_features``) -> :class:`TextEncoderOutput`."""
        if (self.label_proj is None) != (label_features is None):
            raise ValueError(f"text tower built with label_features={self.label_set!r} was called "
                             f"{'with' if label_features is not None else 'without'} label features "
                             "(take them from its tokenize())")
        mask = torch.ones_like(input_ids, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
        shape = input_ids.shape
        flat_ids, flat_mask = input_ids.reshape(-1, shape[-1]), mask.reshape(-1, shape[-1])
        flat_ids, flat_mask = self._track_or_drop_unseen(flat_ids, flat_mask)
        # A row with no real token (empty report, missing sentence) would make attention softmax over
        # nothing; let it see its first position and zero its mean-pool weights instead.
        empty = ~flat_mask.any(1)
        model_mask = flat_mask.clone()
        model_mask[empty, 0] = True
        hidden = self.model(input_ids=flat_ids, attention_mask=model_mask.long()).last_hidden_state
        pooled = pool_tokens(hidden, flat_mask, self.pooling)
        if self.label_proj is not None and label_features is not None:
            pooled = pooled + self.label_proj(label_features.reshape(pooled.shape[0], -1).to(pooled.dtype))
        return TextEncoderOutput(
            pooled=pooled.reshape(*shape[:-1], -1),
            tokens=hidden.reshape(*shape, -1),
            mask=flat_mask.reshape(shape),
        )

    def set_grad_checkpointing(self, enable: bool = True) -> None:
        if enable:
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        else:
            self.model.gradient_checkpointing_disable()

    def freeze(self) -> None:
        for p in self.parameters():
            p.requires_grad_(False)


class FixedTexts(nn.Module):
    """Texts a module re-encodes every step (entity descriptions, finding-pair sentences): tokenised once, with
    the labeler vectors of a tower that reads them, and encoded by the *current* tower on each call.

    The buffers are not persistent: the texts are rebuilt from the model config and knowledge base at load.
    The tower is passed in, not kept, so it stays registered once (under the VLP model).
    """

    def __init__(self, text_encoder: TextEncoder, texts: Sequence[str]) -> None:
        super().__init__()
        enc = text_encoder.tokenize(texts)
        self.input_ids: Tensor
        self.attention_mask: Tensor
        self.label_features: Tensor | None
        self.register_buffer("input_ids", enc["input_ids"], persistent=False)
        self.register_buffer("attention_mask", enc["attention_mask"], persistent=False)
        self.register_buffer("label_features", enc.get(keys.LABEL_FEATURES), persistent=False)

    def forward(self, text_encoder: TextEncoder) -> Tensor:
        """-> the tower's pooled output ``[N, D]`` for the N texts."""
        return text_encoder(self.input_ids, self.attention_mask, self.label_features).pooled


TEXT_ENCODERS: Registry[TextEncoder] = Registry("text encoder")


@TEXT_ENCODERS.register("hf")
def hf_text_encoder(path: str | Path, tokenizer: PreTrainedTokenizerBase | None = None, pooling: Pooling = "cls",
                    max_length: int = 128, load_weights: bool = True, drop_unseen_tokens: bool = False,
                    label_features: str | None = None) -> TextEncoder:
    """Any AutoModel in a local folder (CXR-BERT, BioClinicalBERT, PubMedBERT...), its tokenizer too.

    ``load_weights=False`` builds the architecture from the folder's config only (weights come later,
    e.g. from a medvlp checkpoint).
    """
    folder = Path(path)
    if not (folder / "config.json").is_file():
        raise WeightsError(folder, "not a Hugging Face model folder (no config.json)")
    if load_weights:
        model = AutoModel.from_pretrained(str(folder), local_files_only=True, dtype=torch.float32)
    else:
        model = AutoModel.from_config(AutoConfig.from_pretrained(str(folder), local_files_only=True))
    return TextEncoder(model, tokenizer or load_tokenizer(folder), pooling, max_length, drop_unseen_tokens,
                       label_features)


@TEXT_ENCODERS.register("bert")
def bert_text_encoder(tokenizer: PreTrainedTokenizerBase | None = None, pooling: Pooling = "cls",
                      max_length: int = 128, drop_unseen_tokens: bool = False, label_features: str | None = None,
                      **config: Any) -> TextEncoder:
    """A randomly initialised BERT sized by ``config`` (BertConfig fields), vocabulary from the tokenizer."""
    tokenizer = tokenizer or builtin_tokenizer()
    bert_config = BertConfig(vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id or 0,
                             max_position_embeddings=max(512, max_length), **config)
    return TextEncoder(BertModel(bert_config), tokenizer, pooling, max_length, drop_unseen_tokens, label_features)


@TEXT_ENCODERS.register("tiny_bert")
def tiny_bert_text_encoder(tokenizer: PreTrainedTokenizerBase | None = None, pooling: Pooling = "cls",
                           max_length: int = 64, drop_unseen_tokens: bool = False, label_features: str | None = None,
                           **config: Any) -> TextEncoder:
    """Two layers, hidden 64: seconds to train on CPU."""
    sizes = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128}
    return bert_text_encoder(tokenizer, pooling, max_length, drop_unseen_tokens, label_features, **{**sizes, **config})


def create_text_encoder(name: str, /, **kwargs: Any) -> TextEncoder:
    return TEXT_ENCODERS.create(name, **kwargs)
