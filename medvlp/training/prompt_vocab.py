"""Which zero-shot prompt words the trained tokenizer lacks, written next to the exported weights.

Zero-shot prompts are worded differently from the training reports on purpose; a prompt word the
tokenizer never saw becomes [UNK] (or unrelated pieces), and the text tower cannot know what it means.
The export therefore records those words (``prompt_vocabulary.json``) and the run logs a warning; for a
tower that tracks the tokens it trained on (``drop_unseen_tokens``), also the prompt words it never read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from torch import Tensor
from transformers import PreTrainedTokenizerBase

from medvlp.errors import MedVLPError
from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def prompt_texts(label_set: str) -> list[str]:
    """Every shipped prompt (positive, negative, sided) for the findings of ``label_set``."""
    from medvlp.knowledge.findings import get_label_set
    from medvlp.knowledge.prompts import prompt_modality, prompt_set

    kind = prompt_modality(label_set)
    texts: list[str] = []
    for finding in get_label_set(label_set).labels:
        try:
            prompts = prompt_set(finding, kind)
        except (KeyError, ValueError, MedVLPError):  # a finding without a curated set uses templates of its name
            texts.append(finding)
            continue
        for group in (prompts.positive, prompts.negative, prompts.left, prompts.right):
            texts.extend(group)
    return texts


def untrained_words(tokenizer: PreTrainedTokenizerBase, words: list[str], seen_tokens: Tensor) -> list[str]:
    """The ``words`` with a word piece whose id the text tower never read in training (sorted).

    A tower built with ``drop_unseen_tokens`` leaves those pieces out at inference.
    """
    seen = seen_tokens.detach().cpu() > 0
    out = set()
    for word in words:
        ids = tokenizer(word, add_special_tokens=False)["input_ids"]
        if any(i >= len(seen) or not bool(seen[i]) for i in ids):
            out.add(word)
    return sorted(out)


def report_prompt_vocabulary(tokenizer: PreTrainedTokenizerBase, label_set: str, export_dir: Path,
                             seen_tokens: Tensor | None = None) -> dict[str, Any]:
    """Write ``export_dir/prompt_vocabulary.json`` and log a summary: prompt words the tokenizer lacks
    (``unknown``) or spells from pieces (``split``) and, given the tower's ``seen_tokens``, the words it
    never read in training (``untrained``: left out at inference by a ``drop_unseen_tokens`` tower)."""
    from medvlp.models.tokenizer import tokenizer_words, vocabulary_gaps

    texts = prompt_texts(label_set)
    gaps = vocabulary_gaps(tokenizer, texts)
    report: dict[str, Any] = {"label_set": label_set, "vocab_size": len(tokenizer), **gaps}
    if seen_tokens is not None:
        report["untrained"] = untrained_words(tokenizer, tokenizer_words(tokenizer, texts), seen_tokens)
        if report["untrained"]:
            log.warning("%d zero-shot prompt words were never read in training and are left out at inference: %s",
                        len(report["untrained"]), ", ".join(report["untrained"][:20]))
    atomic_write_text(export_dir / "prompt_vocabulary.json", json.dumps(report, indent=1))
    if gaps["unknown"]:
        log.warning("%d zero-shot prompt words are unknown to the tokenizer (become [UNK]): %s",
                    len(gaps["unknown"]), ", ".join(gaps["unknown"][:20]))
    log.info("%d prompt words are spelled from several word pieces (see %s)", len(gaps["split"]),
             export_dir / "prompt_vocabulary.json")
    return report
