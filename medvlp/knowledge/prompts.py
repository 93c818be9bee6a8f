"""Zero-shot prompts built from the knowledge base: positive/negative template pairs per finding.

Templates are phrased as image descriptions ("a chest radiograph showing ...") rather than report
sentences, so zero-shot evaluation does not simply reward memorised report phrasing. Sided findings
also get left/right variants. :func:`ensemble_embeddings` averages the embeddings of each side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from medvlp.errors import ConfigError
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.kb import KnowledgeBase

MODALITY_NOUNS = {"radiograph": "chest radiograph", "ct": "chest CT scan"}
# (positive, negative) templates; {image} is the modality noun, {term} a knowledge-base prompt term.
PAIR_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("a {image} showing {term}", "a {image} showing no {term}"),
    ("{term} is visible on this {image}", "there is no sign of {term} on this {image}"),
    ("an image in which {term} can be seen", "an image with no evidence of {term}"),
    ("findings of {term}", "absence of {term}"),
)
SIDED_TEMPLATES: tuple[str, ...] = (
    "a {image} showing {term} on the {side} side",
    "{term} affecting the {side} hemithorax",
)


@dataclass(frozen=True)
class PromptSet:
    """Prompts of one finding for one modality."""

    name: str
    modality: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    left: tuple[str, ...] = ()
    right: tuple[str, ...] = ()

    def pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.positive, self.negative, strict=True))


def article_free(term: str) -> str:
    """``term`` without a leading "a ", "an " or "the " ("no {term}" stays grammatical)."""
    for article in ("a ", "an ", "the "):
        if term.startswith(article):
            return term[len(article):]
    return term


def prompt_modality(name: str) -> str:
    """The prompts' modality for a model modality or label set: "ct" for CT, "radiograph" for every other."""
    return "ct" if name == "ct" else "radiograph"


def prompt_set(name: str, modality: str = "radiograph", kb: KnowledgeBase | None = None) -> PromptSet:
    """3-4 positive/negative pairs for ``name`` (and left/right variants when it is a sided finding)."""
    if modality not in MODALITY_NOUNS:
        raise ConfigError(f"modality must be one of {sorted(MODALITY_NOUNS)}, got {modality!r}")
    kb = kb or KnowledgeBase.load()
    entry = kb.entry(name)
    terms = entry.prompt_terms
    image = MODALITY_NOUNS[modality]
    positive, negative = [], []
    if entry.prompt_pairs:
        for pos, neg in entry.prompt_pairs:
            positive.append(pos.format(image=image))
            negative.append(neg.format(image=image))
    for i, (pos, neg) in enumerate(() if entry.prompt_pairs else PAIR_TEMPLATES):
        term = terms[i % len(terms)]
        positive.append(pos.format(image=image, term=term))
        negative.append(neg.format(image=image, term=article_free(term)))
    sided = name in CHEXPERT.sided or name in CT.sided
    left = tuple(t.format(image=image, term=terms[0], side="left") for t in SIDED_TEMPLATES) if sided else ()
    right = tuple(t.format(image=image, term=terms[0], side="right") for t in SIDED_TEMPLATES) if sided else ()
    return PromptSet(name, modality, tuple(positive), tuple(negative), left, right)


def ensemble_embeddings(prompts: PromptSet, encode: Callable[[Sequence[str]], torch.Tensor]) -> torch.Tensor:
    """Class embeddings ``[2, D]`` (row 0 negative, row 1 positive): mean of L2-normalised prompt embeddings.

    ``encode`` maps a list of N strings to ``[N, D]`` embeddings (any text encoder).
    """
    rows = []
    for texts in (prompts.negative, prompts.positive):
        emb = torch.nn.functional.normalize(encode(list(texts)).float(), dim=-1)  # [N, D]
        rows.append(torch.nn.functional.normalize(emb.mean(dim=0), dim=-1))  # [D]
    return torch.stack(rows)  # [2, D]


def ensemble_scores(image_embeds: torch.Tensor, class_embeds: torch.Tensor, logit_scale: float = 100.0) -> torch.Tensor:
    """Probability of the positive class per image ``[B]`` from ``image_embeds [B, D]`` and ``[2, D]``."""
    logits = logit_scale * torch.nn.functional.normalize(image_embeds.float(), dim=-1) @ class_embeds.T  # [B, 2]
    return logits.softmax(dim=-1)[:, 1]
