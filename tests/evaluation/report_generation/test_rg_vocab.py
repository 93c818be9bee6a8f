"""Word-level vocabulary: cleaning, count threshold, encode/decode round trip."""

from __future__ import annotations

from medvlp.evaluation.report_generation.vocab import Vocabulary, clean_report, clean_tokens


def test_clean_tokens_marks_sentence_ends_and_drops_punctuation() -> None:
    assert clean_tokens("Heart size is normal. No pleural effusion, or pneumothorax!") == [
        "heart", "size", "is", "normal", ".", "no", "pleural", "effusion", "or", "pneumothorax", "."]
    assert clean_report("  ") == ""


def test_min_count_threshold_and_specials() -> None:
    vocab = Vocabulary.build(["normal heart.", "normal lungs.", "normal heart."], min_count=2)
    assert vocab.itos[:4] == ["<pad>", "<bos>", "<eos>", "<unk>"]
    assert set(vocab.itos[4:]) == {"normal", "heart", "."}  # "lungs" seen once: below threshold
    ids = vocab.encode("Normal lungs.", max_length=60)
    assert ids == [vocab.bos_id, vocab.stoi["normal"], vocab.unk_id, vocab.stoi["."], vocab.eos_id]


def test_encode_truncates_and_decode_stops_at_eos() -> None:
    vocab = Vocabulary.build(["a b c d"], min_count=1)
    ids = vocab.encode("a b c d", max_length=2)
    assert vocab.decode(ids[1:]) == "a b"
    assert ids[-1] == vocab.eos_id and len(ids) == 4
    assert vocab.decode([vocab.stoi["a"], vocab.eos_id, vocab.stoi["b"]]) == "a"


def test_output_of_only_unknown_tokens_decodes_to_empty_text() -> None:
    vocab = Vocabulary.build(["a"], min_count=1)
    assert vocab.decode([vocab.unk_id] * 5) == ""
