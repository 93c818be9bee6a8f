"""WordPiece tokenizers trained locally (no download), saved and loaded as directories."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from medvlp.knowledge.findings import CHEXPERT, CT

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# A small radiology vocabulary so demo models get sensible word pieces without any corpus.
_BUILTIN_PHRASES = (
    "no acute cardiopulmonary process",
    "the heart size is normal",
    "the lungs are clear",
    "there is no pleural effusion or pneumothorax",
    "small left pleural effusion with adjacent atelectasis",
    "right lower lobe consolidation concerning for pneumonia",
    "mild pulmonary edema and cardiomegaly",
    "a pulmonary nodule measuring 6 mm in the right upper lobe",
    "support devices in place including endotracheal tube and central line",
    "findings impression comparison indication technique",
    "no evidence of fracture mediastinal lymphadenopathy emphysema hernia calcification",
)


def train_tokenizer(texts: Iterable[str], vocab_size: int = 1000, lowercase: bool = True) -> PreTrainedTokenizerFast:
    """Train a BERT WordPiece tokenizer on ``texts`` and wrap it for transformers.

    The result saves with ``save_pretrained(dir)`` and reloads with :func:`load_tokenizer`.
    """
    tokenizer = _bert_pipeline(Tokenizer(models.WordPiece(unk_token="[UNK]")), lowercase)
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=1, show_progress=False,
                                        special_tokens=list(SPECIAL_TOKENS))
    tokenizer.train_from_iterator(list(texts), trainer=trainer)
    return _wrap(tokenizer)


def train_word_tokenizer(texts: Iterable[str], vocab_size: int = 1000, lowercase: bool = True
                         ) -> PreTrainedTokenizerFast:
    """A BERT tokenizer whose vocabulary is whole words only: the ``vocab_size`` - 5 most frequent words of
    ``texts`` (ties alphabetical, so the same corpus always gives the same vocabulary).

    Without sub-word pieces a word outside the vocabulary is one [UNK], never a string of pieces learnt
    from other words; for a tower trained from scratch on a small report corpus those pieces would carry
    meanings of unrelated words into unseen ones.
    """
    probe = _bert_pipeline(Tokenizer(models.WordPiece({"[UNK]": 0}, unk_token="[UNK]")), lowercase)
    counts: dict[str, int] = {}
    for text in texts:
        for word in _split_words(probe, text):
            counts[word] = counts.get(word, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))[: max(0, vocab_size - len(SPECIAL_TOKENS))]
    vocab = {token: i for i, token in enumerate([*SPECIAL_TOKENS, *words])}
    return _wrap(_bert_pipeline(Tokenizer(models.WordPiece(vocab, unk_token="[UNK]")), lowercase))


def _bert_pipeline(tokenizer: Tokenizer, lowercase: bool) -> Tokenizer:
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lowercase, strip_accents=lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def _wrap(tokenizer: Tokenizer) -> PreTrainedTokenizerFast:
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


BUILTIN_VOCAB = Path(__file__).with_name("builtin_vocab.txt")
BUILTIN_VOCAB_SIZE = 512  # the trainer's target when builtin_vocab.txt was made (it stopped at 325 pieces)


def builtin_tokenizer(vocab_size: int = BUILTIN_VOCAB_SIZE) -> PreTrainedTokenizerFast:
    """A tiny tokenizer for the built-in radiology phrases and the label names, the same in every process.

    The Rust WordPiece trainer breaks ties between equally frequent merges in hash order, so training
    twice gives slightly different vocabularies (325-328 pieces here). The default vocabulary is
    therefore trained once and shipped (``builtin_vocab.txt``, from :func:`train_tokenizer` on
    ``_BUILTIN_PHRASES`` + label names): random-init baselines then match across processes. Another
    ``vocab_size`` trains afresh.
    """
    if vocab_size != BUILTIN_VOCAB_SIZE:
        labels = [label.lower() for label in (*CHEXPERT.labels, *CT.labels)]
        return train_tokenizer([*_BUILTIN_PHRASES, *labels], vocab_size=vocab_size)
    tokens = BUILTIN_VOCAB.read_text(encoding="utf-8").splitlines()
    vocab = {token: i for i, token in enumerate(tokens)}
    return _wrap(_bert_pipeline(Tokenizer(models.WordPiece(vocab, unk_token="[UNK]")), lowercase=True))


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    """A tokenizer saved as a directory (ours, or any local Hugging Face model folder)."""
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def _split_words(backend: Tokenizer, text: str) -> list[str]:
    """``text`` normalised and pre-tokenised by a ``tokenizers`` pipeline (its words, before word pieces)."""
    normalised = backend.normalizer.normalize_str(text) if backend.normalizer else text
    return [word for word, _ in backend.pre_tokenizer.pre_tokenize_str(normalised)]


def tokenizer_words(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str]) -> list[str]:
    """Distinct words of ``texts`` in the tokenizer's own pre-tokenisation (BERT: whitespace and punctuation,
    lowercased when the tokenizer lowercases), sorted."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    words: set[str] = set()
    for text in texts:
        words.update(_split_words(backend, text) if backend is not None else text.split())
    return sorted(words)


def vocabulary_gaps(tokenizer: PreTrainedTokenizerBase, texts: Iterable[str]) -> dict[str, list[str]]:
    """Words of ``texts`` (:func:`tokenizer_words`) the tokenizer does not hold whole: ``unknown`` (some
    piece is [UNK]) and ``split`` (spelled from several word pieces, so their meaning must be composed
    from the pieces); each list is sorted and without duplicates.
    """
    unk = tokenizer.unk_token
    unknown: list[str] = []
    split: list[str] = []
    for word in tokenizer_words(tokenizer, texts):
        pieces = tokenizer.tokenize(word)
        if unk in pieces:
            unknown.append(word)
        elif len(pieces) > 1:
            split.append(word)
    return {"unknown": unknown, "split": split}
