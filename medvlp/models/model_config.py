"""Model configs: open_clip-style JSON files in ``model_configs/`` validated into dataclasses."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

from medvlp.config import deep_merge, from_dict
from medvlp.errors import ConfigError, UnknownNameError


@dataclass
class VisionConfig:
    """Image tower: a registered encoder name and its keyword arguments, plus preprocessing facts."""

    encoder: str
    params: dict[str, Any] = field(default_factory=dict)
    image_size: list[int] | None = None  # input size the tower expects (2D: [H, W]; 3D: [X, Y, Z])
    hu_window: list[float] | None = None  # CT: [low, high] HU mapped to [0, 1] before the encoder
    spacing: list[float] | None = None  # CT: resampling spacing in mm


@dataclass
class TextConfig:
    """Text tower: a registered text encoder and its arguments (``params.path`` for local HF folders)."""

    encoder: str = "tiny_bert"
    params: dict[str, Any] = field(default_factory=dict)
    tokenizer_path: str | None = None  # a saved tokenizer folder; None: the model folder's or built-in
    builtin_vocab_size: int = 512


@dataclass
class KnowledgeConfig:
    enabled: bool = False
    entities: dict[str, str] = field(default_factory=dict)  # finding -> description; empty: label names
    heads: int = 4


@dataclass
class FindingPairsConfig:
    """Affirmed/negated finding sentences encoded every step (for the ``finding_pairs`` objective)."""

    enabled: bool = False
    max_synonyms: int = 2  # knowledge-base synonyms per finding (x the training templates = variants)
    # also the knowledge base's definition and this modality's appearance of each finding, in plain words
    # (medvlp.knowledge.pair_texts); never its prompt terms
    descriptions: bool = False


@dataclass
class ModelConfig:
    vision: VisionConfig
    name: str = ""
    modality: Literal["cxr", "ct"] = "cxr"
    embed_dim: int = 128
    text: TextConfig = field(default_factory=TextConfig)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
    finding_pairs: FindingPairsConfig = field(default_factory=FindingPairsConfig)
    init_temperature: float = 0.07
    max_logit_scale: float = 100.0
    siglip_bias: float | None = None  # initial logit bias; None = no bias (CLIP)
    # "batch": standardise the pooled image features over the batch before the projection (running statistics
    # at inference); None: project them as they are (see medvlp.models.vlp.pooled_image_norm)
    image_norm: Literal["batch"] | None = None
    # "report": a text is encoded whole; "sentence": each sentence is encoded on its own and the text's
    # embedding is the normalised mean of its normalised sentence embeddings (see medvlp.models.vlp)
    text_unit: Literal["report", "sentence"] = "report"
    label_names: list[str] = field(default_factory=list)  # empty: the modality's label set


def _config_dir() -> Any:
    return resources.files("medvlp.models") / "model_configs"


def list_models() -> list[str]:
    """Names of the model configs shipped in ``medvlp/models/model_configs``."""
    return sorted(p.name[: -len(".json")] for p in _config_dir().iterdir() if p.name.endswith(".json"))


def expand_dotted(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{"vision.params.pooler": "mean"}`` -> nested dicts, so dotted and nested overrides both work."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        nested: Any = value
        for part in reversed(key.split(".")):
            nested = {part: nested}
        out = deep_merge(out, nested)
    return out


def config_dict(name: str) -> dict[str, Any]:
    path = _config_dir() / f"{name}.json"
    if not path.is_file():
        raise UnknownNameError(f"unknown model {name!r} (known: {', '.join(list_models())})")
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")), name=name)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"model config {name}.json is not valid JSON: {exc}") from exc


def model_config(name: str, **overrides: Any) -> ModelConfig:
    """Load ``model_configs/<name>.json`` and apply overrides (nested dicts or dotted keys)."""
    return from_dict(ModelConfig, deep_merge(config_dict(name), expand_dotted(overrides)))
