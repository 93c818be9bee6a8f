"""Encoders and the model zoo: timm 2D, MONAI 3D, 2D-to-3D slice pooling, text, knowledge, VLP model.

Importing this package registers every encoder, pooler and text encoder.
"""

from __future__ import annotations

from medvlp.models import monai3d, slicepool, timm2d  # noqa: F401  (registration side effects)
from medvlp.models.card import load_pretrained, save_pretrained
from medvlp.models.factory import build_model, create_model
from medvlp.models.image_base import ENCODERS, ImageEncoder, ImageEncoderOutput, create_encoder
from medvlp.models.model_config import ModelConfig, list_models, model_config
from medvlp.models.open_clip_weights import load_open_clip_weights
from medvlp.models.poolers import POOLERS, create_pooler
from medvlp.models.text import TEXT_ENCODERS, TextEncoder, TextEncoderOutput, create_text_encoder
from medvlp.models.tokenizer import builtin_tokenizer, load_tokenizer, train_tokenizer
from medvlp.models.vlp import VLPModel
from medvlp.models.weights import LoadReport, load_timm_weights, load_weights, read_state_dict

__all__ = [
    "ENCODERS",
    "POOLERS",
    "TEXT_ENCODERS",
    "ImageEncoder",
    "ImageEncoderOutput",
    "LoadReport",
    "ModelConfig",
    "TextEncoder",
    "TextEncoderOutput",
    "VLPModel",
    "build_model",
    "builtin_tokenizer",
    "create_encoder",
    "create_model",
    "create_pooler",
    "create_text_encoder",
    "list_models",
    "load_open_clip_weights",
    "load_pretrained",
    "load_timm_weights",
    "load_tokenizer",
    "load_weights",
    "model_config",
    "read_state_dict",
    "save_pretrained",
    "train_tokenizer",
]
