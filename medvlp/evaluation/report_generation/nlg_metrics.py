"""Language-overlap scores of generated reports: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D.

Texts are scored as whitespace tokens of the cleaned report (:func:`vocab.clean_tokens`, sentence
ends kept as ``.`` tokens), as R2Gen scores its cleaned strings. One reference per study.

* BLEU-n: corpus BLEU (Papineni et al. 2002), uniform weights, closest-reference brevity penalty,
  no smoothing: ``nltk.translate.bleu_score.corpus_bleu``, as pycocoevalcap's corpus BLEU.
* METEOR: ``nltk``'s METEOR (Lavie & Agarwal 2007: alpha 0.9, beta 3, gamma 0.5), averaged over
  studies, with the **exact and Porter-stem matching stages only**. Its WordNet synonym stage needs
  the WordNet corpus, which cannot be downloaded here, so a WordNet with no synsets is passed in.
  Values are therefore a lower bound of full METEOR and not comparable with the METEOR 1.5 (Java)
  numbers in R2Gen/BenchX tables (which also use paraphrase tables).
* ROUGE-L: LCS precision/recall from ``rouge-score``, combined as pycocoevalcap does
  (F-beta with beta = 1.2), averaged over studies.
* CIDEr-D: our implementation of Vedantam et al. (2015) as in pycocoevalcap: tf-idf n-gram vectors
  (n = 1..4, document frequencies from the references of the scored corpus), hypothesis counts
  clipped at the reference's, Gaussian length penalty sigma = 6, times 10. (pycocoevalcap counts
  length in bigrams, which equals the word-count difference for non-empty texts; we use words.)
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Sequence

from medvlp.evaluation.report_generation.vocab import clean_tokens

BLEU_WEIGHTS = [(1.0,), (0.5, 0.5), (1 / 3, 1 / 3, 1 / 3), (0.25, 0.25, 0.25, 0.25)]


class _NoSynonyms:
    """Stands in for nltk's WordNet reader: no synsets, so METEOR's synonym stage matches nothing."""

    @staticmethod
    def synsets(word: str) -> list[object]:
        return []


class _WhitespaceTokenizer:
    @staticmethod
    def tokenize(text: str) -> list[str]:
        return text.split()


def bleu(references: Sequence[list[str]], hypotheses: Sequence[list[str]]) -> list[float]:
    """Corpus BLEU-1..4 of token lists (one reference each)."""
    from nltk.translate.bleu_score import corpus_bleu

    if not hypotheses or not any(hypotheses):
        return [0.0] * 4
    with warnings.catch_warnings():  # nltk warns when an n-gram order has no match; the score is 0
        warnings.simplefilter("ignore")
        scores = corpus_bleu([[r] for r in references], list(hypotheses), weights=BLEU_WEIGHTS)
    return [float(s) for s in scores]  # type: ignore[union-attr]


def meteor(reference: list[str], hypothesis: list[str]) -> float:
    """METEOR of one pair, exact + stem stages (see module docstring)."""
    from nltk.translate.meteor_score import single_meteor_score

    if not reference or not hypothesis:
        return 0.0
    return float(single_meteor_score(reference, hypothesis, wordnet=_NoSynonyms()))  # type: ignore[arg-type]


def rouge_l(reference: list[str], hypothesis: list[str], beta: float = 1.2) -> float:
    """ROUGE-L F-beta of one pair from rouge-score's LCS precision and recall."""
    from rouge_score.rouge_scorer import RougeScorer

    if not reference or not hypothesis:
        return 0.0
    score = RougeScorer(["rougeL"], tokenizer=_WhitespaceTokenizer()).score(" ".join(reference), " ".join(hypothesis))
    p, r = score["rougeL"].precision, score["rougeL"].recall
    if p == 0.0 or r == 0.0:
        return 0.0
    return (1 + beta**2) * p * r / (r + beta**2 * p)


def _ngrams(tokens: list[str], n_max: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i:i + n]) for n in range(1, n_max + 1) for i in range(len(tokens) - n + 1))


def cider_d(references: Sequence[list[str]], hypotheses: Sequence[list[str]], n_max: int = 4,
            sigma: float = 6.0) -> list[float]:
    """Per-study CIDEr-D (the corpus score is their mean)."""
    ref_counts = [_ngrams(r, n_max) for r in references]
    doc_freq = Counter(g for counts in ref_counts for g in counts)
    log_n = math.log(max(len(references), 1))

    def vectors(counts: Counter[tuple[str, ...]]) -> tuple[list[dict[tuple[str, ...], float]], list[float]]:
        vec: list[dict[tuple[str, ...], float]] = [{} for _ in range(n_max)]
        for gram, tf in counts.items():
            vec[len(gram) - 1][gram] = tf * (log_n - math.log(max(1.0, doc_freq[gram])))
        return vec, [math.sqrt(sum(v * v for v in level.values())) for level in vec]

    scores = []
    for ref, hyp, r_counts in zip(references, hypotheses, ref_counts):
        (v_h, norm_h), (v_r, norm_r) = vectors(_ngrams(hyp, n_max)), vectors(r_counts)
        penalty = math.exp(-((len(hyp) - len(ref)) ** 2) / (2 * sigma**2))
        total = 0.0
        for n in range(n_max):
            dot = sum(min(w, v_r[n].get(g, 0.0)) * v_r[n].get(g, 0.0) for g, w in v_h[n].items())
            if norm_h[n] > 0 and norm_r[n] > 0:
                total += dot / (norm_h[n] * norm_r[n]) * penalty
        scores.append(10.0 * total / n_max)
    return scores


def language_metrics(references: Sequence[str], hypotheses: Sequence[str]) -> dict[str, float]:
    """All scores for paired report texts: ``bleu_1..4``, ``meteor``, ``rouge_l``, ``cider_d``."""
    refs = [clean_tokens(t) for t in references]
    hyps = [clean_tokens(t) for t in hypotheses]
    out = {f"bleu_{n + 1}": s for n, s in enumerate(bleu(refs, hyps))}
    count = max(len(refs), 1)
    out["meteor"] = sum(meteor(r, h) for r, h in zip(refs, hyps)) / count
    out["rouge_l"] = sum(rouge_l(r, h) for r, h in zip(refs, hyps)) / count
    out["cider_d"] = sum(cider_d(refs, hyps)) / count
    return out
