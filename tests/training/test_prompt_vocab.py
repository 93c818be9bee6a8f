"""Prompt words missing from a run's tokenizer are found and written next to the export."""

from __future__ import annotations

import json
from pathlib import Path

from medvlp.models.tokenizer import builtin_tokenizer, train_tokenizer, vocabulary_gaps
from medvlp.training.prompt_vocab import prompt_texts, report_prompt_vocabulary


def test_gaps_distinguish_unknown_from_split_words() -> None:
    tokenizer = train_tokenizer(["the lungs are clear", "no pleural effusion"] * 5, vocab_size=60)
    gaps = vocabulary_gaps(tokenizer, ["Clear lungs, no effusion.", "zebra"])
    assert "zebra" in gaps["unknown"]  # no 'z' or 'b' in the corpus
    assert "clear" not in gaps["unknown"] and "lungs" not in gaps["unknown"]
    assert set(gaps["unknown"]).isdisjoint(gaps["split"])


def test_report_lists_prompt_words_a_report_corpus_lacks(tmp_path: Path) -> None:
    texts = prompt_texts("chexpert")
    assert len(texts) > 40 and any("pneumothorax" in t for t in texts)
    report = report_prompt_vocabulary(builtin_tokenizer(), "chexpert", tmp_path)
    saved = json.loads((tmp_path / "prompt_vocabulary.json").read_text())
    assert saved == report and "broken" in report["unknown"]  # "a broken rib": not in the built-in phrases
    full = train_tokenizer(texts, vocab_size=3000)  # a tokenizer that saw every prompt knows every word
    assert report_prompt_vocabulary(full, "chexpert", tmp_path)["unknown"] == []


def test_report_lists_prompt_words_the_tower_never_read(tmp_path: Path) -> None:
    import torch

    tokenizer = train_tokenizer([*prompt_texts("chexpert"), "the heart is enlarged"], vocab_size=3000)
    seen = torch.zeros(len(tokenizer))
    for text in ("a chest radiograph showing cardiomegaly", "there is no sign of pneumothorax"):
        seen[tokenizer(text)["input_ids"]] = 1.0
    report = report_prompt_vocabulary(tokenizer, "chexpert", tmp_path, seen)
    assert report["unknown"] == []  # the tokenizer knows every prompt word ...
    untrained = set(report["untrained"])  # ... but the tower read only two prompts' words
    assert {"showing", "cardiomegaly", "sign", "pneumothorax", "no"}.isdisjoint(untrained)
    assert {"edema", "visible", "absence"} <= untrained
    assert "untrained" not in report_prompt_vocabulary(tokenizer, "chexpert", tmp_path)
