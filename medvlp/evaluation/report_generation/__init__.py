"""Report generation benchmark: a decoder on frozen image tokens, scored with BLEU/METEOR/ROUGE-L/CIDEr-D
and clinical efficacy.

Importing :mod:`medvlp.evaluation.report_generation.task` registers the ``report_generation`` task in
:data:`medvlp.evaluation.tasks.TASKS`. Names below load lazily, so the metrics work without the
labeler or torch-heavy modules being imported.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "clinical_efficacy": "clinical", "DecoderConfig": "decoder", "ReportDecoder": "decoder",
    "teacher_forcing_loss": "decoder", "beam_search": "decoding", "greedy_decode": "decoding",
    "language_metrics": "nlg_metrics", "ReportScores": "scoring", "score_reports": "scoring",
    "GenerationConfig": "train", "StudySource": "train", "fit_report_generator": "train", "generate": "train",
    "Vocabulary": "vocab", "clean_report": "vocab", "ReportGenerationTask": "task",
}
__all__ = [
    "DecoderConfig", "GenerationConfig", "ReportDecoder", "ReportGenerationTask", "ReportScores", "StudySource",
    "Vocabulary", "beam_search", "clean_report", "clinical_efficacy", "fit_report_generator", "generate",
    "greedy_decode", "language_metrics", "score_reports", "teacher_forcing_loss",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
