"""Decoder shapes, padding, and a tiny teacher-forcing overfit that greedy decoding reproduces."""

from __future__ import annotations

import pytest
import torch

from medvlp.evaluation.report_generation.decoder import DecoderConfig, ReportDecoder, teacher_forcing_loss
from medvlp.evaluation.report_generation.decoding import beam_search, greedy_decode
from medvlp.evaluation.report_generation.train import pad_ids


def tiny(memory_slots: int, vocab: int = 12, feature_dim: int = 6, max_length: int = 10) -> ReportDecoder:
    torch.manual_seed(0)
    return ReportDecoder(DecoderConfig(vocab, feature_dim, d_model=32, layers=2, heads=4, ff_dim=64,
                                       dropout=0.0, memory_slots=memory_slots, max_length=max_length))


@pytest.mark.parametrize("slots", [0, 3])
def test_logit_shapes_and_padding_invariance(slots: int) -> None:
    decoder = tiny(slots).eval()
    tokens, ids = torch.randn(2, 5, 6), torch.randint(4, 12, (2, 7))
    mask = torch.ones(2, 5, dtype=torch.bool)
    logits = decoder(tokens, mask, ids)
    assert logits.shape == (2, 7, 12)
    # Extra padded tokens (mask False) must not change the output.
    padded = torch.cat([tokens, torch.randn(2, 3, 6)], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(2, 3, dtype=torch.bool)], dim=1)
    assert torch.allclose(decoder(padded, padded_mask, ids), logits, atol=1e-5)
    # Causal: logits at step t do not depend on later words.
    changed = ids.clone()
    changed[:, -1] = 4 if int(ids[0, -1]) != 4 else 5
    assert torch.allclose(decoder(tokens, mask, changed)[:, :-1], logits[:, :-1], atol=1e-5)


@pytest.mark.parametrize("slots", [0, 3])
def test_teacher_forcing_overfit_then_greedy_reproduces(slots: int) -> None:
    decoder = tiny(slots)
    reports = [[1, 5, 6, 7, 2], [1, 8, 9, 2]]  # <bos> words <eos>, one per image
    ids = pad_ids(reports)
    tokens = torch.stack([torch.full((3, 6), 1.0), torch.full((3, 6), -1.0)])
    mask = torch.ones(2, 3, dtype=torch.bool)
    opt = torch.optim.Adam(decoder.parameters(), lr=5e-3)
    first = float(teacher_forcing_loss(decoder, tokens, mask, ids).detach())
    for _ in range(100):
        loss = teacher_forcing_loss(decoder, tokens, mask, ids)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(loss.detach()) < 0.1 * first
    decoder.eval()
    expected = [r[1:-1] for r in reports]  # the words, stopped at <eos>
    assert greedy_decode(decoder, tokens, mask, max_length=10) == expected
    assert beam_search(decoder, tokens, mask, max_length=10, beam_size=3) == expected
