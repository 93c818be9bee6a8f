"""R2Gen-style word-level vocabulary: cleaned, lower-cased words kept if seen ``min_count`` times.

Reports are cleaned the way R2Gen cleans IU X-ray / MIMIC-CXR text: lower case, punctuation other
than sentence ends dropped, every sentence end written as a separate ``.`` token. Generated ids
decode back to that cleaned form, and references are cleaned the same way before scoring, so the
metrics compare like with like.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
_SENTENCE_END = re.compile(r"[.?!;]+(?:\s+|$)|\n+")
_NOT_WORD = re.compile(r"[^a-z0-9/ ]+")


def clean_tokens(text: str) -> list[str]:
    """Report text -> word tokens, each sentence followed by a ``.`` token."""
    tokens: list[str] = []
    for sentence in _SENTENCE_END.split(text.lower()):
        words = _NOT_WORD.sub(" ", sentence.replace("-", " ")).split()
        if words:
            tokens.extend(words)
            tokens.append(".")
    return tokens


def clean_report(text: str) -> str:
    """The cleaned report as one string (what references look like when scored)."""
    return " ".join(clean_tokens(text))


class Vocabulary:
    """Word <-> id; ids 0..3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``."""

    def __init__(self, words: Sequence[str]) -> None:
        self.itos: list[str] = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 3) -> Vocabulary:
        """Words seen at least ``min_count`` times in ``texts`` (R2Gen threshold: 3 IU X-ray, 10 MIMIC)."""
        counts = Counter(word for text in texts for word in clean_tokens(text))
        return cls(sorted(w for w, n in counts.items() if n >= min_count))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str, max_length: int) -> list[int]:
        """``<bos> w1 .. wk <eos>`` with at most ``max_length`` words (truncated before ``<eos>``)."""
        ids = [self.stoi.get(w, self.unk_id) for w in clean_tokens(text)][:max_length]
        return [self.bos_id, *ids, self.eos_id]

    def decode(self, ids: Iterable[int]) -> str:
        """Ids -> text; stops at ``<eos>``, skips ``<pad>``/``<bos>`` and drops ``<unk>`` (it can never
        match a reference word, and leaving the marker in would only inflate the length)."""
        words = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id, self.unk_id):
                continue
            words.append(self.itos[i])
        return " ".join(words)

    def to_dict(self) -> dict[str, list[str]]:
        return {"itos": self.itos}
