"""Greedy and beam decoding: length cap, <eos> handling, beam size 1 equals greedy."""

from __future__ import annotations

import pytest
import torch

from medvlp.evaluation.report_generation.decoder import DecoderConfig, ReportDecoder
from medvlp.evaluation.report_generation.decoding import beam_search, greedy_decode
from medvlp.evaluation.report_generation.vocab import Vocabulary

VOCAB = 15


def random_decoder(seed: int, slots: int = 3, max_length: int = 8) -> ReportDecoder:
    torch.manual_seed(seed)
    return ReportDecoder(DecoderConfig(VOCAB, 4, d_model=16, layers=1, heads=2, ff_dim=32, dropout=0.0,
                                       memory_slots=slots, max_length=max_length)).eval()


def biased(decoder: ReportDecoder, word: int) -> ReportDecoder:
    """Make ``word`` the argmax at every step (zeroed output weights, one large bias)."""
    with torch.no_grad():
        decoder.head.weight.zero_()
        decoder.head.bias.zero_()
        decoder.head.bias[word] = 10.0
    return decoder


def inputs(batch: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    return torch.randn(batch, 5, 4, generator=g), torch.ones(batch, 5, dtype=torch.bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("slots", [0, 3])
def test_beam_size_one_equals_greedy(seed: int, slots: int) -> None:
    decoder = random_decoder(seed, slots)
    tokens, mask = inputs()
    assert beam_search(decoder, tokens, mask, max_length=8, beam_size=1) == greedy_decode(decoder, tokens, mask, 8)


def test_immediate_eos_gives_empty_report() -> None:
    decoder = biased(random_decoder(0), Vocabulary.eos_id)
    tokens, mask = inputs()
    assert greedy_decode(decoder, tokens, mask, 8) == [[], [], []]
    assert beam_search(decoder, tokens, mask, 8, beam_size=3) == [[], [], []]


def test_without_eos_decoding_stops_at_max_length() -> None:
    decoder = biased(random_decoder(0), 7)
    tokens, mask = inputs()
    assert greedy_decode(decoder, tokens, mask, 8) == [[7] * 8] * 3
    assert beam_search(decoder, tokens, mask, 8, beam_size=3) == [[7] * 8] * 3
    assert all(len(seq) == 5 for seq in greedy_decode(decoder, tokens, mask, 5))


@pytest.mark.parametrize("beam", [2, 3, 5])
def test_beam_outputs_are_valid_word_ids_within_length(beam: int) -> None:
    decoder = random_decoder(3)
    tokens, mask = inputs()
    for seq in beam_search(decoder, tokens, mask, max_length=8, beam_size=beam):
        assert len(seq) <= 8
        assert all(i >= 4 or i == Vocabulary.unk_id for i in seq)  # no pad/bos/eos inside a report


def sequence_log_prob(decoder: ReportDecoder, tokens: torch.Tensor, mask: torch.Tensor, words: list[int],
                      max_length: int) -> float:
    """Summed log-probability of ``words`` then ``<eos>`` (or just ``words`` at the length cap)."""
    ids = torch.tensor([[Vocabulary.bos_id, *words]])
    with torch.no_grad():
        logits = decoder(tokens, mask, ids)
    logits[..., [Vocabulary.pad_id, Vocabulary.bos_id]] = float("-inf")
    logp = torch.log_softmax(logits, dim=-1)[0]
    targets = [*words, Vocabulary.eos_id][:len(words) + (len(words) < max_length)]
    return float(sum(logp[t, w] for t, w in enumerate(targets)))


def test_wide_beam_never_scores_below_greedy_on_random_decoders() -> None:
    # Not a theorem for every model, but with a beam as wide as the vocabulary the greedy path is
    # never pruned, so the beam's best hypothesis must score at least as well.
    for seed in range(3):
        decoder = random_decoder(seed, max_length=4)
        tokens, mask = inputs(1)
        greedy = greedy_decode(decoder, tokens, mask, 4)[0]
        beam = beam_search(decoder, tokens, mask, 4, beam_size=VOCAB)[0]
        assert sequence_log_prob(decoder, tokens, mask, beam, 4) >= sequence_log_prob(decoder, tokens, mask, greedy, 4) - 1e-5


def test_stepwise_memory_matches_full_prefix_decoding() -> None:
    # Decoding advances the relational memory one word at a time; re-running the decoder on the
    # whole greedy output must pick the same word at every position (and <eos> after the last).
    decoder = random_decoder(4, slots=3, max_length=12)
    tokens, mask = inputs(1)
    words = greedy_decode(decoder, tokens, mask, 12)[0]
    with torch.no_grad():
        logits = decoder(tokens, mask, torch.tensor([[Vocabulary.bos_id, *words]]))[0]
    logits[:, [Vocabulary.pad_id, Vocabulary.bos_id]] = float("-inf")
    expected = words + ([Vocabulary.eos_id] if len(words) < 12 else [])
    assert logits.argmax(-1).tolist()[:len(expected)] == expected
