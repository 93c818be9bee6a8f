"""Fit the text tower's WordPiece tokenizer on the training reports (tiny BERT configs only).

The built-in tokenizer knows a few hundred radiology phrases; a hospital's own reports need their own
vocabulary. The tokenizer is trained once per run from the *training split* reports plus the knowledge
base texts, saved in ``run_dir/tokenizer`` and reused on resume, and
it then ships inside the exported checkpoint: it is never retrained at load time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from transformers import PreTrainedTokenizerBase

from medvlp.errors import InputError
from medvlp.training.corpus import split_members
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


def training_texts(root: Path, split: str) -> Iterator[str]:
    """De-identified report texts of ``split`` (corrupt shards are skipped: the stream reports them)."""
    for _, _, members in split_members(root, split, "tokenizer corpus"):
        text = members.get("txt", b"").decode("utf-8", errors="replace").strip()
        if text:
            yield text


def knowledge_texts() -> list[str]:
    """Knowledge-base entity texts (synonyms, definitions, appearance) for the knowledge-enhanced tower.

    Zero-shot prompts are deliberately *not* added: their words must be learnt from reports (or be
    reported as missing from the vocabulary), or the zero-shot test would be flattered.
    """
    from medvlp.knowledge.kb import KnowledgeBase

    kb = KnowledgeBase.load()
    return [kb.entity_text(name) for name in kb.names()]


def fit_tokenizer(root: Path, split: str, vocab_size: int, save_dir: Path,
                  kind: Literal["wordpiece", "words"] = "wordpiece",
                  extra_texts: Sequence[str] = ()) -> PreTrainedTokenizerBase:
    """Train (or reload from ``save_dir``) the run's tokenizer: word pieces, or whole ``words`` only.

    ``extra_texts``: words the training augmentation writes into reports (e.g. swapped negation cues),
    which must be in the vocabulary for the tower to read them.
    """
    from medvlp.models.tokenizer import load_tokenizer, train_tokenizer, train_word_tokenizer

    if (save_dir / "tokenizer.json").is_file():
        log.info("reusing the run's tokenizer from %s", save_dir)
        return load_tokenizer(save_dir)
    reports = list(training_texts(root, split))
    if not reports:
        raise InputError(root / "shards", f"no report text in split {split!r} to train a tokenizer on")
    train = train_word_tokenizer if kind == "words" else train_tokenizer
    tokenizer = train([*reports, *knowledge_texts(), *extra_texts], vocab_size=vocab_size)
    save_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(save_dir))
    log.info("trained a %d-token %s tokenizer on %d training reports -> %s", len(tokenizer), kind,
             len(reports), save_dir)
    return tokenizer
