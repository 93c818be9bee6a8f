"""Shared fixtures for model tests: tiny tokenizers and an HF model folder, all built locally."""

from __future__ import annotations

from pathlib import Path

import pytest
from transformers import BertConfig, BertModel

from medvlp.models.tokenizer import train_tokenizer

CORPUS = [
    "no acute cardiopulmonary process",
    "small left pleural effusion",
    "right lower lobe consolidation",
    "the heart size is normal and the lungs are clear",
    "mild pulmonary edema with cardiomegaly",
]


@pytest.fixture(scope="session")
def tokenizer():  # type: ignore[no-untyped-def]
    return train_tokenizer(CORPUS * 2, vocab_size=200)


@pytest.fixture(scope="session")
def hf_dir(tmp_path_factory: pytest.TempPathFactory, tokenizer) -> Path:  # type: ignore[no-untyped-def]
    """A local Hugging Face folder with a tiny random BERT and its tokenizer (like a CXR-BERT download)."""
    folder = tmp_path_factory.mktemp("tiny_bert_hf")
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, pad_token_id=tokenizer.pad_token_id)
    BertModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder
