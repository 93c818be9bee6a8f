"""``create_model(name, tokenizer=..., **overrides)``: a :class:`VLPModel` from a named JSON config."""

from __future__ import annotations

from typing import Any

from transformers import PreTrainedTokenizerBase

from medvlp.knowledge.findings import get_label_set
from medvlp.knowledge.pair_texts import finding_pair_texts
from medvlp.knowledge.prompts import prompt_modality
from medvlp.models.finding_pairs import FindingPairModule
from medvlp.models.image_base import create_encoder
from medvlp.models.knowledge import KnowledgeModule, default_entity_texts
from medvlp.models.model_config import ModelConfig, model_config
from medvlp.models.text import create_text_encoder
from medvlp.models.tokenizer import builtin_tokenizer, load_tokenizer
from medvlp.models.vlp import VLPModel


def label_names(config: ModelConfig) -> list[str]:
    return list(config.label_names) or list(get_label_set("ct" if config.modality == "ct" else "chexpert").labels)


def resolve_tokenizer(config: ModelConfig, tokenizer: PreTrainedTokenizerBase | None) -> PreTrainedTokenizerBase | None:
    """Given > ``text.tokenizer_path`` > the HF folder's own (None here) > built-in tiny WordPiece."""
    if tokenizer is not None:
        return tokenizer
    if config.text.tokenizer_path:
        return load_tokenizer(config.text.tokenizer_path)
    if config.text.encoder == "hf":
        return None
    return builtin_tokenizer(config.text.builtin_vocab_size)


def build_model(config: ModelConfig, tokenizer: PreTrainedTokenizerBase | None = None) -> VLPModel:
    """Instantiate both towers, projections and (optionally) the knowledge module from ``config``."""
    params = dict(config.vision.params)
    if params.get("windows") and "input_window" not in params and config.vision.hu_window is not None:
        params["input_window"] = config.vision.hu_window  # multi-window CT: the input is the card's window
    visual = create_encoder(config.vision.encoder, **params)
    text = create_text_encoder(config.text.encoder, tokenizer=resolve_tokenizer(config, tokenizer),
                               **config.text.params)
    model = VLPModel(config, visual, text)
    kb_modality = prompt_modality(config.modality)
    if config.knowledge.enabled:
        entities = config.knowledge.entities or default_entity_texts(label_names(config), kb_modality)
        model.knowledge = KnowledgeModule(entities, text, config.embed_dim, config.knowledge.heads)
    if config.finding_pairs.enabled:
        names = label_names(config)
        texts = finding_pair_texts(names, config.finding_pairs.max_synonyms,
                                   descriptions=kb_modality if config.finding_pairs.descriptions else None)
        model.finding_pairs = FindingPairModule(texts, text, [names.index(n) for n in texts.names])
    return model


def create_model(name: str, tokenizer: PreTrainedTokenizerBase | None = None, **overrides: Any) -> VLPModel:
    """``create_model("cxr_tiny")``; overrides as nested dicts or dotted keys
    (``**{"vision.params.pooler": "mean"}``, ``embed_dim=256``)."""
    return build_model(model_config(name, **overrides), tokenizer)
