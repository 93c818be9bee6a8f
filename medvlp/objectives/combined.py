"""Weighted sum of several registered objectives, built from config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from medvlp.objectives.registry import LOSSES


class CombinedObjective(nn.Module):
    """``loss = sum_k w_k * loss_k``; every part is reported as ``"<term>/<part>"``.

    Terms are ``nn.Module`` losses so their own parameters (SigLIP bias, knowledge scale) are
    trained and checkpointed with the model.
    """

    def __init__(self, terms: Mapping[str, nn.Module], weights: Mapping[str, float]) -> None:
        super().__init__()
        if not terms:
            raise ValueError("CombinedObjective needs at least one term")
        missing = set(terms) - set(weights)
        if missing:
            raise ValueError(f"no weight for objective term(s): {sorted(missing)}")
        self.terms = nn.ModuleDict(dict(terms))
        self.weights = {name: float(weights[name]) for name in terms}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Mapping[str, Any]]) -> CombinedObjective:
        """``{term: {"loss": registry name (default: term), "weight": w, "kwargs": {...}}}``."""
        terms, weights = {}, {}
        for name, entry in spec.items():
            terms[name] = LOSSES.create(entry.get("loss") or name, **dict(entry.get("kwargs") or {}))
            weights[name] = float(entry.get("weight", 1.0))
        return cls(terms, weights)

    @property
    def reads_text(self) -> bool:
        """Whether any term reads the text tower's outputs (a term says so by ``reads_text``; default True)."""
        return any(getattr(term, "reads_text", True) for term in self.terms.values())

    def forward(self, outputs: dict[str, Tensor], batch: dict) -> dict[str, Tensor]:
        results: dict[str, Tensor] = {}
        total: Tensor | None = None
        for name, term in self.terms.items():
            parts = term(outputs, batch)
            weighted = self.weights[name] * parts["loss"]
            total = weighted if total is None else total + weighted
            for part, value in parts.items():
                results[f"{name}/{part}"] = value.detach()
        assert total is not None
        results["loss"] = total
        return results

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={w:g}" for k, w in self.weights.items())


