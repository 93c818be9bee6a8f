"""Report sections for the issue's "it must learn" figures: negation, CT supervised baseline, lesion size."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from medvlp.demo.document import Document, Heading, Paragraph, Table

NEGATION_KEYS = ("negation/auroc_pair", "negation/auroc_positive_only",
                 "negation/affirmed_above_negated_on_positives", "negation/negated_above_affirmed_on_negatives")
SPECIFICITY_KEYS = ("specificity/score_correlation", "specificity/text_direction_cosine")


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}"


def _ok(records: list[dict[str, Any]], task: str, model: str | None = None) -> list[dict[str, Any]]:
    from medvlp.benchmark.results import latest_by_hash

    return [r for r in latest_by_hash(records) if r["status"] == "ok" and r["task"] == task
            and (model is None or r["model"] == model)]


def add_negation(doc: Document, records: list[dict[str, Any]]) -> None:
    """Pair vs positive-only AUROC and affirmed-vs-negated twin fractions of the pretrained models."""
    rows = [[r["dataset"], *(_fmt(r["metrics"].get(k)) for k in (*NEGATION_KEYS, *SPECIFICITY_KEYS))]
            for r in _ok(records, "zeroshot") if r["model"].endswith("-pretrained")
            and any(k in r["metrics"] for k in NEGATION_KEYS)]
    if not rows:
        return
    doc.add(Heading("Is negation understood? (zero-shot, pretrained models)"))
    doc.add(Paragraph("Macro AUROC scoring by the positive-vs-negative prompt pair (the zero-shot protocol) vs by "
                      "similarity to the positive prompts alone; and, over the curated prompt twins ('... showing X' / "
                      "'... showing no X'), the share of positive studies where the affirmed prompt is closer than its "
                      "negated twin, and of negative studies where the negated twin is closer. Finding specificity: the mean "
                      "|correlation| between the findings' zero-shot scores over the test images and the mean cosine "
                      "between their text directions (affirmed minus negated); near 1, zero-shot ranks every finding "
                      "by one shared abnormality score."))
    doc.add(Table(["dataset", "AUROC pair", "AUROC positive-only", "affirmed > negated (positives)",
                   "negated > affirmed (negatives)", "finding scores: mean abs. correlation", "text direction cosine"], rows))


def _per_finding(record: dict[str, Any] | None) -> dict[str, float | None]:
    return {str(f["name"]): f.get("auroc") for f in (record or {}).get("per_finding", [])}


def _mean_probe(records: list[dict[str, Any]]) -> dict[str, float | None]:
    """Per-finding linear-probe AUROC at full labels, mean over seeds."""
    values: dict[str, list[float]] = {}
    for r in records:
        if r.get("fraction") in (None, 1.0):
            for name, auc in _per_finding(r).items():
                if auc is not None:
                    values.setdefault(name, []).append(float(auc))
    return {name: float(np.mean(v)) for name, v in values.items()}


def add_ct_supervised(doc: Document, records: list[dict[str, Any]], out: Path) -> None:
    """CT zero-shot and linear probe (contrastive encoder) beside the supervised head (same encoder)."""
    path = out / "supervised_ct" / "metrics.json"
    if not path.is_file():
        return
    supervised = json.loads(path.read_text())
    if supervised.get("status", "ok") != "ok":
        doc.add(Heading("CT: contrastive vs supervised (same image encoder, same steps)"))
        doc.add(Paragraph(f"Supervised head not evaluated: {supervised.get('reason')}"))
        return
    zeroshot = next(iter(_ok([r for r in records if r["modality"] == "3d"], "zeroshot", "ct-pretrained")), None)
    probe = _mean_probe([r for r in _ok(records, "linear_probe", "ct-pretrained") if r["modality"] == "3d"])
    sup = _per_finding(supervised)
    zs = _per_finding(zeroshot)
    rows = [[name, _fmt(zs.get(name)), _fmt(probe.get(name)), _fmt(auc)] for name, auc in sup.items()]
    probe_macro = [v for v in probe.values() if v is not None]
    rows.append(["**macro**", _fmt((zeroshot or {}).get("metrics", {}).get("macro_auroc")),
                 _fmt(float(np.mean(probe_macro)) if probe_macro else None),
                 _fmt(supervised["metrics"].get("macro_auroc"))])
    doc.add(Heading("CT: contrastive vs supervised (same image encoder, same steps)"))
    doc.add(Paragraph("Test AUROC per finding. Supervised: the CT image encoder trained with BCE on the report "
                      "labels (linear head on the image embedding) instead of the contrastive objective. If it "
                      "clearly beats the contrastive model's linear probe, the image side can learn the findings "
                      "and the shortfall lies in the objective / text side; if not, in the image side or the data."))
    doc.add(Table(["finding", "zero-shot (contrastive)", "linear probe (contrastive)", "supervised head"], rows))


def add_lesion_size(doc: Document, records: list[dict[str, Any]], out: Path) -> None:
    """CT zero-shot AUROC of the pretrained model per lesion-size tertile (positives vs all negatives)."""
    from medvlp.errors import InputError
    from medvlp.evaluation.lesion_size import lesion_size_breakdown

    zeroshot = [r for r in _ok(records, "zeroshot", "ct-pretrained") if r["modality"] == "3d" and r.get("predictions")]
    if not zeroshot:
        return
    doc.add(Heading("CT zero-shot by lesion size (pretrained)"))
    try:
        table = lesion_size_breakdown(out / "benchmark" / zeroshot[0]["predictions"], out / "data", out / "ingest")
    except InputError as exc:
        doc.add(Paragraph(f"Not available: {exc}"))
        return
    doc.add(Paragraph("Planted lesion sizes from the synthetic ground truth, joined to the de-identified test "
                      "samples through the ingest manifest's source paths. Positives of each size tertile are "
                      "ranked against all negatives of the finding; bins with few positives are noisy."))
    doc.add(Table(["finding", "size bin", "positives", "negatives", "AUROC"],
                  [[str(r.finding), str(r.size_bin), str(r.n_positive), str(r.n_negative), _fmt(r.auroc)]
                   for r in table.itertuples(index=False)]))
