"""Score generated reports against references: language overlap + clinical efficacy, one call.

Studies whose reference is empty (nothing to compare with) are left out of every score and counted;
an empty generated report is scored as it is (zero overlap, no findings stated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medvlp.evaluation.report_generation.clinical import clinical_efficacy
from medvlp.evaluation.report_generation.nlg_metrics import language_metrics
from medvlp.evaluation.report_generation.vocab import clean_tokens

METEOR_NOTE = ("meteor: nltk METEOR with exact + Porter-stem matching only (no WordNet synonym stage, "
               "not METEOR 1.5): a lower bound, not comparable with Java METEOR numbers")


@dataclass
class ReportScores:
    metrics: dict[str, Any]
    ci: dict[str, list[float | None]] = field(default_factory=dict)
    per_finding: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def score_reports(references: Sequence[str], generated: Sequence[str], studies: Sequence[str],
                  label_set: str = "chexpert", n_resamples: int = 1000, level: float = 0.95,
                  rng: np.random.Generator | None = None) -> ReportScores:
    """BLEU-1..4, METEOR, ROUGE-L, CIDEr-D and CE precision/recall/F1 (study-bootstrap CIs for CE)."""
    if not (len(references) == len(generated) == len(studies)):
        raise ValueError(f"{len(references)} references, {len(generated)} generated, {len(studies)} studies")
    keep = [i for i, ref in enumerate(references) if clean_tokens(ref)]
    notes = [METEOR_NOTE]
    if len(keep) < len(references):
        notes.append(f"{len(references) - len(keep)} studies with an empty reference left out of all scores")
    refs, hyps = [references[i] for i in keep], [generated[i] for i in keep]
    metrics: dict[str, Any] = {"n_studies": len(keep), "n_empty_reference": len(references) - len(keep),
                               "n_empty_generated": sum(not clean_tokens(h) for h in hyps)}
    if not keep:
        return ReportScores(metrics, notes=notes + ["no study has a reference: nothing scored"])
    metrics.update(language_metrics(refs, hyps))
    ce = clinical_efficacy(refs, hyps, [studies[i] for i in keep], label_set, n_resamples, level, rng)
    metrics.update(ce.metrics)
    metrics["mean_generated_words"] = float(np.mean([len(h.split()) for h in hyps]))
    return ReportScores(metrics, ce.ci, ce.per_finding, notes)
