"""Text towers: local tokenizers, pooling, sentences, empty reports, HF folders."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import AutoModel

from medvlp.models import create_text_encoder, load_tokenizer, train_tokenizer
from medvlp.models.errors import WeightsError


def test_trained_tokenizer_round_trips_through_a_folder(tmp_path: Path, tokenizer) -> None:  # type: ignore[no-untyped-def]
    tokenizer.save_pretrained(str(tmp_path))
    reloaded = load_tokenizer(tmp_path)
    text = "small left pleural effusion"
    assert reloaded(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert len(reloaded(text)["input_ids"]) < len(text.split()) + 4  # whole words, not characters
    assert tokenizer.convert_ids_to_tokens(tokenizer(text)["input_ids"])[0] == "[CLS]"


def test_vocab_size_is_respected() -> None:
    small = train_tokenizer(["alpha beta gamma delta epsilon zeta eta theta"] * 3, vocab_size=60)
    assert len(small) <= 60


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_pooling_ignores_padding(pooling: str, tokenizer) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    encoder = create_text_encoder("tiny_bert", tokenizer=tokenizer, pooling=pooling).eval()
    alone = encoder(**encoder.tokenize(["small effusion"]))
    batched = encoder(**encoder.tokenize(["small effusion", "the heart size is normal and the lungs are clear"]))
    torch.testing.assert_close(batched.pooled[0], alone.pooled[0], rtol=1e-4, atol=1e-5)
    if pooling == "mean":
        n = int(alone.mask.sum())
        torch.testing.assert_close(alone.pooled[0], alone.tokens[0, :n].mean(0))
    else:
        torch.testing.assert_close(alone.pooled[0], alone.tokens[0, 0])


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_empty_and_all_padding_text_never_nan(pooling: str, tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = create_text_encoder("tiny_bert", tokenizer=tokenizer, pooling=pooling)
    enc = encoder.tokenize(["", "no effusion"])
    out = encoder(enc["input_ids"], torch.zeros_like(enc["attention_mask"]))
    assert torch.isfinite(out.pooled).all() and torch.isfinite(out.tokens).all()
    out.pooled.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in encoder.parameters() if p.grad is not None)


def test_sentence_level_pooling_matches_single_sentences(tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = create_text_encoder("tiny_bert", tokenizer=tokenizer, pooling="mean").eval()
    docs = [["small left pleural effusion", "no consolidation"], ["lungs are clear"]]
    out = encoder(**encoder.tokenize_sentences(docs))
    assert out.pooled.shape == (2, 2, encoder.embed_dim)
    single = encoder(**encoder.tokenize(["no consolidation"])).pooled[0]
    torch.testing.assert_close(out.pooled[0, 1], single, rtol=1e-4, atol=1e-5)
    assert not out.mask[1, 1].any() and torch.isfinite(out.pooled[1, 1]).all()


def test_hf_folder_loads_the_same_weights(hf_dir: Path) -> None:
    reference = AutoModel.from_pretrained(str(hf_dir)).eval()
    encoder = create_text_encoder("hf", path=hf_dir).eval()
    enc = encoder.tokenize(["small left pleural effusion"])
    expected = reference(**enc).last_hidden_state
    torch.testing.assert_close(encoder(**enc).tokens, expected)
    assert encoder.embed_dim == 32


def test_hf_encoder_rejects_a_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="config.json"):
        create_text_encoder("hf", path=tmp_path)


def test_word_tokenizer_holds_whole_words_and_reads_an_unknown_word_as_one_unk(tmp_path: Path) -> None:
    from medvlp.models.tokenizer import train_word_tokenizer

    corpus = ["The heart is enlarged.", "No pleural effusion.", "the heart size is normal"]
    tok = train_word_tokenizer(corpus, vocab_size=9)  # 5 special tokens + the 4 most frequent words
    assert tok.tokenize("The heart is normal") == ["the", "heart", "is", "[UNK]"]  # ".", "heart", "is", "the": twice each
    assert tok.tokenize("hearts") == ["[UNK]"]  # never the known word plus a leftover piece
    assert not any(t.startswith("##") for t in tok.get_vocab())
    tok.save_pretrained(str(tmp_path))
    assert load_tokenizer(tmp_path).tokenize("the heart") == ["the", "heart"]
    assert train_word_tokenizer(list(reversed(corpus)), vocab_size=9).get_vocab() == tok.get_vocab()  # deterministic
