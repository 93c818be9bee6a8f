"""``drop_unseen_tokens``: a from-scratch tower reads, at inference, only the token ids it was trained on."""

from __future__ import annotations

import pytest
import torch

from medvlp.models import create_text_encoder
from medvlp.models.text import TextEncoder, keep_tokens

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _trained_on(texts: list[str], tokenizer, pooling: str = "cls") -> TextEncoder:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    encoder = create_text_encoder("tiny_bert", tokenizer=tokenizer, pooling=pooling, drop_unseen_tokens=True)
    encoder.train()
    encoder(**encoder.tokenize(texts))  # a training forward marks the ids it read
    return encoder.eval()


def test_keep_tokens_left_packs_and_pads() -> None:
    ids = torch.tensor([[2, 7, 8, 9, 3, 0]])
    mask = torch.tensor([[True, True, True, True, True, False]])
    keep = torch.tensor([[True, False, True, False, True, True]])
    packed, packed_mask = keep_tokens(ids, mask, keep, pad_id=0)
    assert packed.tolist() == [[2, 8, 3, 0, 0, 0]]
    assert packed_mask.tolist() == [[True, True, True, False, False, False]]


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_unseen_words_are_read_as_if_absent(pooling: str, tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = _trained_on(["small left pleural effusion", "the heart size is normal"], tokenizer, pooling)
    with torch.no_grad():
        with_unseen = encoder(**encoder.tokenize(["small edema effusion", "the nodule heart size"]))
        without = encoder(**encoder.tokenize(["small effusion", "the heart size"]))
    torch.testing.assert_close(with_unseen.pooled, without.pooled, rtol=1e-5, atol=1e-6)
    assert with_unseen.mask.sum(1).tolist() == without.mask.sum(1).tolist()


def test_training_reads_every_token_and_marks_it_seen(tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = _trained_on(["small effusion"], tokenizer)
    encoder.train()
    batch = encoder.tokenize(["the nodule is large"])
    out = encoder(**batch)
    assert out.mask.sum() == batch["attention_mask"].sum()  # nothing dropped while training
    seen = encoder.seen_tokens
    assert seen is not None
    assert bool((seen[batch["input_ids"][0]] > 0).all())
    assert float(seen[tokenizer.pad_token_id]) == 0.0  # padding is never "read"


def test_an_untrained_tower_reads_everything_and_the_option_is_off_by_default(tokenizer) -> None:  # type: ignore[no-untyped-def]
    fresh = create_text_encoder("tiny_bert", tokenizer=tokenizer, drop_unseen_tokens=True).eval()
    batch = fresh.tokenize(["small nodule"])
    assert fresh(**batch).mask.sum() == batch["attention_mask"].sum()
    plain = create_text_encoder("tiny_bert", tokenizer=tokenizer)
    assert plain.seen_tokens is None and "seen_tokens" not in plain.state_dict()


def test_the_seen_set_travels_in_the_state_dict(tokenizer) -> None:  # type: ignore[no-untyped-def]
    encoder = _trained_on(["small left pleural effusion"], tokenizer)
    clone = create_text_encoder("tiny_bert", tokenizer=tokenizer, drop_unseen_tokens=True)
    clone.load_state_dict(encoder.state_dict())
    clone.eval()
    batch = encoder.tokenize(["small nodule effusion"])
    with torch.no_grad():
        torch.testing.assert_close(clone(**batch).pooled, encoder(**batch).pooled)
    assert int(clone(**batch).mask.sum()) < int(batch["attention_mask"].sum())
