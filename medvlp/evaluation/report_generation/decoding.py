"""Greedy and beam-search decoding of :class:`ReportDecoder` (at most ``max_length`` words).

Each step re-runs the transformer layers on the whole prefix (no key/value cache: reports are at
most ~60 words); the relational memory, which is sequential, is advanced one step per word and
its states are reordered with the beams.
Outputs are word ids without ``<bos>``/``<eos>``; when no ``<eos>`` comes, decoding stops at
``max_length`` words.
"""

from __future__ import annotations

import torch
from torch import Tensor

from medvlp.evaluation.report_generation.decoder import ReportDecoder
from medvlp.evaluation.report_generation.vocab import Vocabulary

MemoryState = tuple[Tensor, Tensor]  # (latest memory [R, S, d], all states so far [R, t, S*d])


def _advance_memory(decoder: ReportDecoder, seqs: Tensor, state: MemoryState | None) -> MemoryState | None:
    """One relational-memory step on the newest word of ``seqs [R, t]`` (None without memory)."""
    if decoder.memory is None:
        return None
    last = decoder.memory.initial(seqs.shape[0], seqs.device) if state is None else state[0]
    new = decoder.memory.step(decoder.embed(seqs[:, -1]), last)
    flat = new.flatten(1)[:, None]
    return new, flat if state is None else torch.cat([state[1], flat], dim=1)


def _step_log_probs(decoder: ReportDecoder, visual: Tensor, pad: Tensor, seqs: Tensor,
                    memory: MemoryState | None) -> Tensor:
    """Log-probabilities of the next word ``[R, V]``; ``<pad>``/``<bos>`` can never be generated."""
    states = None if memory is None else memory[1]
    logp = torch.log_softmax(decoder.decode(visual, pad, seqs, states)[:, -1].float(), dim=-1)
    logp[:, [Vocabulary.pad_id, Vocabulary.bos_id]] = float("-inf")
    return logp


@torch.no_grad()
def greedy_decode(decoder: ReportDecoder, tokens: Tensor, token_mask: Tensor, max_length: int) -> list[list[int]]:
    """``tokens [B, N, D]``, ``token_mask bool [B, N]`` -> B word-id lists (argmax at every step)."""
    visual, pad = decoder.encode_visual(tokens, token_mask)
    seqs = torch.full((tokens.shape[0], 1), Vocabulary.bos_id, dtype=torch.long, device=tokens.device)
    finished = torch.zeros(tokens.shape[0], dtype=torch.bool, device=tokens.device)
    memory = None
    for _ in range(max_length):
        memory = _advance_memory(decoder, seqs, memory)
        word = _step_log_probs(decoder, visual, pad, seqs, memory).argmax(dim=-1)
        word = torch.where(finished, torch.full_like(word, Vocabulary.pad_id), word)
        seqs = torch.cat([seqs, word[:, None]], dim=1)
        finished |= word == Vocabulary.eos_id
        if bool(finished.all()):
            break
    return [_strip(row) for row in seqs[:, 1:].tolist()]


def _strip(ids: list[int]) -> list[int]:
    out = []
    for i in ids:
        if i in (Vocabulary.eos_id, Vocabulary.pad_id):
            break
        out.append(i)
    return out


@torch.no_grad()
def beam_search(decoder: ReportDecoder, tokens: Tensor, token_mask: Tensor, max_length: int,
                beam_size: int = 3, length_penalty: float = 0.0) -> list[list[int]]:
    """Beam search; hypotheses scored by summed log-probability / length**``length_penalty``.

    ``beam_size = 1`` gives exactly the greedy result. A hypothesis reaching ``max_length`` words
    is closed as if ``<eos>`` followed.
    """
    batch, k = tokens.shape[0], beam_size
    visual, pad = decoder.encode_visual(tokens, token_mask)
    visual, pad = visual.repeat_interleave(k, dim=0), pad.repeat_interleave(k, dim=0)
    seqs = torch.full((batch * k, 1), Vocabulary.bos_id, dtype=torch.long, device=tokens.device)
    scores = torch.full((batch, k), float("-inf"), device=tokens.device)
    scores[:, 0] = 0.0  # all beams start identical: keep one alive so the first step does not repeat it
    done: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    closed = [False] * batch

    def finish(b: int, words: list[int], score: float) -> None:
        done[b].append((score / max(len(words), 1) ** length_penalty, words))

    memory = None
    for step in range(max_length + 1):
        memory = _advance_memory(decoder, seqs, memory)
        logp = _step_log_probs(decoder, visual, pad, seqs, memory)
        if step == max_length:  # out of room: the only move left is to stop
            logp = torch.where(torch.arange(logp.shape[1], device=logp.device) == Vocabulary.eos_id, 0.0, float("-inf"))
            logp = logp.expand(batch * k, -1)
        total = (scores.reshape(-1, 1) + logp).reshape(batch, -1)
        top_scores, top_index = total.topk(min(2 * k, total.shape[1]), dim=1)
        next_rows, next_words, next_scores = [], [], []
        for b in range(batch):
            chosen: list[tuple[int, int, float]] = []
            for rank, (score, flat) in enumerate(zip(top_scores[b].tolist(), top_index[b].tolist())):
                beam, word = divmod(flat, logp.shape[1])
                if score == float("-inf") or closed[b]:
                    break
                if word == Vocabulary.eos_id:
                    if rank < k:
                        finish(b, seqs[b * k + beam, 1:].tolist(), score)
                    continue
                chosen.append((b * k + beam, word, score))
                if len(chosen) == k:
                    break
            best_alive = chosen[0][2] if chosen else float("-inf")
            # Summed log-probs only fall as words are added: once k hypotheses are done and none
            # alive can beat them, this batch row is final.
            if len(done[b]) >= k and (length_penalty == 0.0 and best_alive <= min(s for s, _ in done[b])):
                closed[b] = True
            if not chosen:
                closed[b] = True
            chosen += [(b * k, Vocabulary.pad_id, float("-inf"))] * (k - len(chosen))
            for row, word, score in chosen:
                next_rows.append(row)
                next_words.append(word)
                next_scores.append(score)
        if all(closed):
            break
        rows = torch.tensor(next_rows, device=seqs.device)
        seqs = torch.cat([seqs[rows], torch.tensor(next_words, device=seqs.device)[:, None]], dim=1)
        memory = None if memory is None else (memory[0][rows], memory[1][rows])
        scores = torch.tensor(next_scores, device=scores.device).reshape(batch, k)
    return [max(hyps, key=lambda h: h[0])[1] if hyps else [] for hyps in done]
