"""Which zero-shot prompt words the trained tokenizer lacks, written next to the exported weights.

Zero-shot prompts are worded differently from the training reports on purpose; a prompt word the
tokenizer never saw becomes [UNK] (or unrelated pieces), and the text tower cannot know what it means.
The export therefore records those words (``prompt_vocabulary.json``) and the run logs a warning.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from transformers import PreTrainedTokenizerBase

from medvlp.errors import MedVLPError
from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def prompt_texts(label_set: str) -> list[str]:
    """Every shipped prompt (positive, negative, sided) for the findings of ``label_set``."""
    from medvlp.knowledge.findings import get_label_set
    from medvlp.knowledge.prompts import prompt_set

    kind = "ct" if label_set == "ct" else "radiograph"
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


def report_prompt_vocabulary(tokenizer: PreTrainedTokenizerBase, label_set: str, export_dir: Path) -> dict[str, Any]:
    """Write ``export_dir/prompt_vocabulary.json`` (unknown and split prompt words) and log a summary."""
    from medvlp.models.tokenizer import vocabulary_gaps

    gaps = vocabulary_gaps(tokenizer, prompt_texts(label_set))
    report = {"label_set": label_set, "vocab_size": len(tokenizer), **gaps}
    atomic_write_text(export_dir / "prompt_vocabulary.json", json.dumps(report, indent=1))
    if gaps["unknown"]:
        log.warning("%d zero-shot prompt words are unknown to the tokenizer (become [UNK]): %s",
                    len(gaps["unknown"]), ", ".join(gaps["unknown"][:20]))
    log.info("%d prompt words are spelled from several word pieces (see %s)", len(gaps["split"]),
             export_dir / "prompt_vocabulary.json")
    return report
