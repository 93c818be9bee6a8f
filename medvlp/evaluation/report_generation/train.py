"""Train the report decoder with teacher forcing; early stopping on validation BLEU-4; generate.

The image encoder is frozen by default (its tokens are computed once); with ``finetune_encoder``
its parameters train too, at ``encoder_lr``. Randomness (init, dropout, shuffling) is drawn inside
a forked RNG seeded from ``seed``, so runs are reproducible and the caller's RNG is untouched.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from medvlp.evaluation.report_generation.decoder import DecoderConfig, ReportDecoder, teacher_forcing_loss
from medvlp.evaluation.report_generation.decoding import beam_search, greedy_decode
from medvlp.evaluation.report_generation.features import Study, TokenFn, encode_tokens, study_batch
from medvlp.evaluation.report_generation.nlg_metrics import bleu
from medvlp.evaluation.report_generation.vocab import Vocabulary, clean_tokens
from medvlp.utils.logging import get_logger

log = get_logger(__name__)


@dataclass
class GenerationConfig:
    """R2Gen defaults (IU X-ray): 3 layers, d 512, 8 heads, memory 3 slots, beam 3, 60 words, min count 3."""

    d_model: int = 512
    layers: int = 3
    heads: int = 8
    ff_dim: int = 512
    dropout: float = 0.1
    memory_slots: int = 3  # 0 = plain transformer decoder
    max_length: int = 60
    min_word_count: int = 3
    beam_size: int = 3
    length_penalty: float = 0.0
    valid_beam_size: int = 1  # decoding used for early stopping (greedy keeps validation cheap)
    max_views: int = 2  # views per study fed to the decoder (R2Gen uses the 2 views of IU X-ray)
    epochs: int = 100
    patience: int = 50
    batch_size: int = 16
    lr: float = 1e-4
    encoder_lr: float = 5e-5
    weight_decay: float = 5e-5
    grad_clip: float = 0.1
    finetune_encoder: bool = False


@dataclass
class StudySource:
    """Where study tokens come from: cached frozen tokens ``[M, N, D]``, or images run through
    ``token_fn`` with gradients (fine-tuning)."""

    studies: list[Study]
    cached: Tensor | None = None
    images: Tensor | None = None
    token_fn: TokenFn | None = None

    @classmethod
    def frozen(cls, token_fn: TokenFn, images: Tensor, studies: list[Study]) -> StudySource:
        return cls(studies, cached=encode_tokens(token_fn, images))

    def batch(self, picked: Sequence[Study], max_views: int | None) -> tuple[Tensor, Tensor]:
        """``[B, V*N, D]`` tokens and ``bool [B, V*N]`` mask of ``picked`` studies."""
        groups = [s.rows[:max_views] for s in picked]
        if self.cached is not None:
            return study_batch(self.cached, groups)
        assert self.images is not None and self.token_fn is not None
        rows = sorted({r for g in groups for r in g})
        local = {r: i for i, r in enumerate(rows)}
        if not rows:  # only image-less studies: all-padding rows of the right width
            return study_batch(encode_tokens(self.token_fn, self.images[:1]), [[] for _ in groups])
        tokens = self.token_fn(self.images[torch.as_tensor(rows, dtype=torch.long)])
        return study_batch(tokens, [[local[r] for r in g] for g in groups])


@dataclass
class FitResult:
    decoder: ReportDecoder
    vocab: Vocabulary
    best_epoch: int
    best_valid_bleu_4: float
    history: list[dict[str, float]] = field(default_factory=list)


def pad_ids(rows: list[list[int]]) -> Tensor:
    """Ragged id lists -> ``[B, L]`` padded with ``<pad>`` (0)."""
    out = torch.zeros(len(rows), max(len(r) for r in rows), dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, :len(r)] = torch.as_tensor(r)
    return out


def generate(decoder: ReportDecoder, vocab: Vocabulary, source: StudySource, config: GenerationConfig,
             beam_size: int | None = None) -> list[str]:
    """One generated report per study of ``source``; a study with no images gets ``""``."""
    beam = config.beam_size if beam_size is None else beam_size
    decoder.eval()
    texts: list[str] = []
    for start in range(0, len(source.studies), config.batch_size):
        picked = source.studies[start:start + config.batch_size]
        with torch.no_grad():
            tokens, mask = source.batch(picked, config.max_views)
        if beam <= 1:
            ids = greedy_decode(decoder, tokens, mask, config.max_length)
        else:
            ids = beam_search(decoder, tokens, mask, config.max_length, beam, config.length_penalty)
        texts.extend(vocab.decode(seq) if s.rows else "" for s, seq in zip(picked, ids))
    return texts


def _valid_bleu_4(decoder: ReportDecoder, vocab: Vocabulary, valid: StudySource, config: GenerationConfig) -> float:
    hyps = generate(decoder, vocab, valid, config, config.valid_beam_size)
    return bleu([clean_tokens(s.report) for s in valid.studies], [h.split() for h in hyps])[3]


def _snapshot(decoder: nn.Module, encoder: nn.Module | None) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    return (copy.deepcopy(decoder.state_dict()), copy.deepcopy(encoder.state_dict()) if encoder is not None else {})


def fit_report_generator(train: StudySource, valid: StudySource, feature_dim: int, config: GenerationConfig,
                         seed: int = 0, encoder: nn.Module | None = None) -> FitResult:
    """Teacher-forced training on ``train`` studies; keeps the epoch with the best validation BLEU-4."""
    usable = [s for s in train.studies if s.rows and clean_tokens(s.report)]
    vocab = Vocabulary.build((s.report for s in usable), config.min_word_count)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        decoder = ReportDecoder(DecoderConfig(len(vocab), feature_dim, config.d_model, config.layers, config.heads,
                                              config.ff_dim, config.dropout, config.memory_slots, config.max_length))
        trainable = list(decoder.parameters())
        groups = [{"params": list(trainable), "lr": config.lr}]
        tuned = encoder if config.finetune_encoder and encoder is not None else None
        if tuned is not None:
            encoder_params = [p for p in tuned.parameters() if p.requires_grad]
            groups.append({"params": encoder_params, "lr": config.encoder_lr})
            trainable += encoder_params
        optimizer = torch.optim.AdamW(groups, weight_decay=config.weight_decay)
        best = FitResult(decoder, vocab, -1, -1.0)
        best_state = _snapshot(decoder, tuned)
        history: list[dict[str, float]] = []
        for epoch in range(config.epochs):
            decoder.train()
            if tuned is not None:
                tuned.train()
            order = torch.randperm(len(usable)).tolist()
            total = 0.0
            for start in range(0, len(order), config.batch_size):
                picked = [usable[i] for i in order[start:start + config.batch_size]]
                tokens, mask = train.batch(picked, config.max_views)
                ids = pad_ids([vocab.encode(s.report, config.max_length) for s in picked])
                loss = teacher_forcing_loss(decoder, tokens, mask, ids)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_value_(trainable, config.grad_clip)
                optimizer.step()
                total += float(loss.detach()) * len(picked)
            if tuned is not None:
                tuned.eval()
            score = _valid_bleu_4(decoder, vocab, valid, config)
            history.append({"epoch": epoch, "train_loss": total / max(len(usable), 1), "valid_bleu_4": score})
            log.debug("report generation epoch %d: %s", epoch, history[-1])
            if score > best.best_valid_bleu_4:
                best.best_epoch, best.best_valid_bleu_4 = epoch, score
                best_state = _snapshot(decoder, tuned)
            elif epoch - best.best_epoch >= config.patience:
                break
    decoder.load_state_dict(best_state[0])
    if tuned is not None:
        tuned.load_state_dict(best_state[1])
        tuned.eval()
    best.history = history
    return best
