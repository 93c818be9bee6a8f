"""Empty references, studies without images and all-<unk> outputs give defined results."""

from __future__ import annotations

import torch

from medvlp.evaluation.report_generation.decoder import DecoderConfig, ReportDecoder
from medvlp.evaluation.report_generation.features import Study, group_studies, study_batch
from medvlp.evaluation.report_generation.scoring import score_reports
from medvlp.evaluation.report_generation.train import GenerationConfig, StudySource, generate
from medvlp.evaluation.report_generation.vocab import Vocabulary


def test_empty_reference_is_left_out_and_counted() -> None:
    refs = ["Small left pleural effusion.", "   ", "Normal chest."]
    gens = ["Small left pleural effusion.", "Cardiomegaly.", "Normal chest."]
    scores = score_reports(refs, gens, ["a", "b", "c"], n_resamples=0)
    assert scores.metrics["n_studies"] == 2 and scores.metrics["n_empty_reference"] == 1
    assert scores.metrics["bleu_1"] == 1.0  # the remaining pairs are identical
    assert scores.metrics["ce_micro_f1"] == 1.0
    assert any("empty reference" in n for n in scores.notes)


def test_all_references_empty_gives_no_scores_not_a_crash() -> None:
    scores = score_reports(["", " "], ["a", "b"], ["a", "b"], n_resamples=0)
    assert scores.metrics["n_studies"] == 0 and "bleu_4" not in scores.metrics


def test_empty_generated_report_scores_zero() -> None:
    scores = score_reports(["Small left pleural effusion."], [""], ["a"], n_resamples=0)
    assert scores.metrics["n_empty_generated"] == 1
    assert scores.metrics["bleu_1"] == 0.0 and scores.metrics["meteor"] == 0.0
    assert scores.metrics["rouge_l"] == 0.0 and scores.metrics["cider_d"] == 0.0
    assert scores.metrics["ce_micro_recall"] == 0.0


def test_output_of_only_unknown_tokens() -> None:
    vocab = Vocabulary.build(["effusion ."], min_count=1)
    text = vocab.decode([vocab.unk_id] * 4)
    scores = score_reports(["Effusion."], [text], ["a"], n_resamples=0)
    assert text == "" and scores.metrics["bleu_1"] == 0.0


def test_study_without_images_gets_empty_report() -> None:
    tokens = torch.randn(2, 3, 4)
    batch, mask = study_batch(tokens, [[0, 1], []])
    assert batch.shape == (2, 6, 4) and mask[1].sum() == 0 and mask[0].all()
    torch.manual_seed(0)
    decoder = ReportDecoder(DecoderConfig(6, 4, d_model=8, layers=1, heads=2, ff_dim=8, memory_slots=2, max_length=5))
    logits = decoder.eval()(batch, mask, torch.ones(2, 1, dtype=torch.long))
    assert torch.isfinite(logits).all()  # all-padded row still attends to the learned sink token
    vocab = Vocabulary.build(["a b"], min_count=1)
    source = StudySource([Study("s1", "a b", [0, 1]), Study("s2", "a b", [])], cached=tokens)
    texts = generate(decoder, vocab, source, GenerationConfig(max_length=5, beam_size=2, batch_size=4))
    assert texts[1] == "" and len(texts) == 2


def test_group_studies_keeps_views_together() -> None:
    studies = group_studies(["s1", "s2", "s1"], ["r1", "r2", "r1"])
    assert [(s.study_id, s.rows) for s in studies] == [("s1", [0, 2]), ("s2", [1])]
