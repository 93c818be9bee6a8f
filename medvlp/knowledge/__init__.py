"""Medical knowledge: label sets, rule-based labeler, knowledge base, prompts.

``prompt_set``/``PromptSet``/``ensemble_embeddings`` are imported lazily (they need torch).
"""

from __future__ import annotations

from typing import Any

from medvlp.knowledge.findings import CHEXPERT, CT, LABEL_SETS, LabelSet, get_label_set
from medvlp.knowledge.kb import KnowledgeBase, KnowledgeEntry
from medvlp.knowledge.labeler import Labeler, Mention, ReportLabels, label_report, label_reports

_LAZY = {"prompt_set", "PromptSet", "ensemble_embeddings", "ensemble_scores"}

__all__ = [
    "CHEXPERT", "CT", "LABEL_SETS", "KnowledgeBase", "KnowledgeEntry", "LabelSet", "Labeler", "Mention",
    "PromptSet", "ReportLabels", "ensemble_embeddings", "ensemble_scores", "get_label_set", "label_report",
    "label_reports", "prompt_set",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from medvlp.knowledge import prompts

        return getattr(prompts, name)
    raise AttributeError(f"module 'medvlp.knowledge' has no attribute {name!r}")
