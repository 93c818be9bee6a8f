"""Language metrics against values worked out by hand (arithmetic in the comments)."""

from __future__ import annotations

import math

import pytest

from medvlp.evaluation.report_generation.nlg_metrics import bleu, cider_d, language_metrics, meteor, rouge_l


def test_bleu_hand_computed() -> None:
    ref = ["the", "cat", "is", "on", "the", "mat"]
    hyp = ["the", "cat", "the", "mat"]
    # unigrams: the x2 (ref has 2), cat, mat -> 4/4 = 1
    # bigrams: "the cat", "cat the", "the mat" -> "the cat" and "the mat" in ref -> 2/3
    # trigrams: "the cat the", "cat the mat" -> none -> 0
    # brevity penalty: c = 4, r = 6 -> exp(1 - 6/4) = exp(-0.5) = 0.606531
    b1, b2, b3, b4 = bleu([ref], [hyp])
    assert b1 == pytest.approx(0.606531, abs=1e-5)
    assert b2 == pytest.approx(0.606531 * math.sqrt(2 / 3), abs=1e-5)  # 0.495234
    assert b3 == pytest.approx(0.0, abs=1e-12) and b4 == pytest.approx(0.0, abs=1e-12)  # nltk: ~1e-103


def test_bleu_identical_is_one_and_empty_is_zero() -> None:
    ref = ["no", "acute", "cardiopulmonary", "abnormality", "."]
    assert bleu([ref], [list(ref)]) == pytest.approx([1.0] * 4)
    assert bleu([ref], [[]]) == [0.0] * 4


def test_meteor_exact_match_fragmentation_penalty() -> None:
    # 4 matches, P = R = 1 -> Fmean = PR / (0.9 P + 0.1 R) = 1; 1 chunk / 4 matches
    # penalty = 0.5 * (1/4)^3 = 0.0078125 -> 0.9921875
    assert meteor(list("abcd"), list("abcd")) == pytest.approx(0.9921875)


def test_meteor_stem_stage_matches_plural() -> None:
    # "effusions"/"effusion" share the Porter stem "effus": 2 matches of 2, 1 chunk
    # penalty = 0.5 * (1/2)^3 = 0.0625 -> 0.9375 (exact-only would give 0.25)
    assert meteor(["small", "effusions"], ["small", "effusion"]) == pytest.approx(0.9375)


def test_meteor_has_no_synonym_stage() -> None:
    # "large" is a WordNet synonym of "big", but that stage is absent: only "heart" matches.
    # P = R = 1/2 -> Fmean = 0.25 / (0.45 + 0.05) = 0.5; 1 chunk / 1 match -> penalty 0.5 -> 0.25
    assert meteor(["big", "heart"], ["large", "heart"]) == pytest.approx(0.25)


def test_rouge_l_coco_beta() -> None:
    # LCS("a b c d e", "a c e f") = "a c e" = 3 -> P = 3/4, R = 3/5
    # F = (1 + 1.2^2) P R / (R + 1.2^2 P) = 2.44 * 0.45 / (0.6 + 1.08) = 0.653571
    assert rouge_l(["a", "b", "c", "d", "e"], ["a", "c", "e", "f"]) == pytest.approx(0.653571, abs=1e-6)
    assert rouge_l(["a", "b"], []) == 0.0


def test_cider_d_hand_computed() -> None:
    refs = [["a", "b"], ["c", "d"]]
    hyps = [["a", "b"], ["c", "e"]]
    # N = 2 documents: every n-gram has weight tf * (ln 2 - ln max(1, df)) = ln 2 (df is 1 or 0).
    # study 1: hyp == ref -> cosine 1 for n = 1, 2; n = 3, 4 empty -> 0; score = 10 * 2 / 4 = 5
    # study 2: unigrams {c, e} vs {c, d}: dot = (ln2)^2, norms sqrt(2) ln2 each -> 0.5;
    #          bigrams "c e" vs "c d" -> 0; score = 10 * 0.5 / 4 = 1.25
    assert cider_d(refs, hyps) == pytest.approx([5.0, 1.25])


def test_cider_d_length_penalty() -> None:
    refs = [["a"], ["b"]]
    hyps = [["a"] * 7, ["b"]]
    # study 1: unigram vector {a: 7 ln2} vs {a: ln2}: clipped dot = min(7ln2, ln2) * ln2 = (ln2)^2,
    # norms 7 ln2 and ln2 -> 1/7; length gap 6 -> exp(-36 / 72) = exp(-0.5); 10 * (1/7) e^-0.5 / 4
    assert cider_d(refs, hyps)[0] == pytest.approx(10 * math.exp(-0.5) / 7 / 4)


def test_language_metrics_keys_and_perfect_match() -> None:
    refs = ["Heart size is normal. No effusion.", "Small left effusion."]
    out = language_metrics(refs, list(refs))
    assert set(out) == {"bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider_d"}
    assert out["bleu_4"] == pytest.approx(1.0)
    assert out["rouge_l"] == pytest.approx(1.0)
