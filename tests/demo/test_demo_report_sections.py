"""Demo report sections: negation table, CT contrastive-vs-supervised table, lesion-size fallback."""

from __future__ import annotations

import json
from pathlib import Path

from medvlp.demo.document import Document
from medvlp.demo.report_sections import add_ct_supervised, add_lesion_size, add_negation


def record(model: str, task: str, modality: str, metrics: dict, per_finding: list, **extra: object) -> dict:
    return {"config_hash": f"{model}/{task}/{extra.get('fraction')}/{extra.get('seed')}", "status": "ok",
            "model": model, "task": task, "dataset": f"synth-{modality}", "modality": modality,
            "metrics": metrics, "per_finding": per_finding, "fraction": extra.get("fraction"),
            "seed": extra.get("seed"), **{k: v for k, v in extra.items() if k not in ("fraction", "seed")}}


RECORDS = [
    record("ct-pretrained", "zeroshot", "3d",
           {"macro_auroc": 0.62, "negation/auroc_pair": 0.62, "negation/auroc_positive_only": 0.38,
            "negation/affirmed_above_negated_on_positives": 0.875,
            "negation/negated_above_affirmed_on_negatives": 0.125},
           [{"name": "A", "auroc": 0.7}, {"name": "B", "auroc": 0.54}], predictions="predictions/x.npz"),
    record("ct-random", "zeroshot", "3d", {"macro_auroc": 0.5, "negation/auroc_pair": 0.5}, []),
    record("ct-pretrained", "linear_probe", "3d", {"macro_auroc": 0.8}, [{"name": "A", "auroc": 0.8},
                                                                         {"name": "B", "auroc": 0.6}],
           fraction=1.0, seed=0),
    record("ct-pretrained", "linear_probe", "3d", {"macro_auroc": 0.9}, [{"name": "A", "auroc": 1.0},
                                                                         {"name": "B", "auroc": 0.8}],
           fraction=1.0, seed=1),
    record("ct-pretrained", "linear_probe", "3d", {"macro_auroc": 0.1}, [{"name": "A", "auroc": 0.1}],
           fraction=0.01, seed=0),
]


def test_negation_table_lists_pretrained_models_only() -> None:
    doc = Document("t")
    add_negation(doc, RECORDS)
    text = doc.to_markdown()
    assert "| synth-3d | 0.620 | 0.380 | 0.875 | 0.125 |" in text
    assert text.count("| synth-3d |") == 1  # the random model is not listed


def test_supervised_table_sits_beside_zero_shot_and_full_label_probe(tmp_path: Path) -> None:
    (tmp_path / "supervised_ct").mkdir()
    (tmp_path / "supervised_ct" / "metrics.json").write_text(json.dumps({
        "status": "ok", "metrics": {"macro_auroc": 0.75},
        "per_finding": [{"name": "A", "auroc": 0.9}, {"name": "B", "auroc": 0.6}]}))
    doc = Document("t")
    add_ct_supervised(doc, RECORDS, tmp_path)
    text = doc.to_markdown()
    assert "| A | 0.700 | 0.900 | 0.900 |" in text  # probe: mean of the two full-label seeds
    assert "| **macro** | 0.620 | 0.800 | 0.750 |" in text


def test_supervised_skip_reason_is_shown(tmp_path: Path) -> None:
    (tmp_path / "supervised_ct").mkdir()
    (tmp_path / "supervised_ct" / "metrics.json").write_text(json.dumps({"status": "skipped", "reason": "one class"}))
    doc = Document("t")
    add_ct_supervised(doc, RECORDS, tmp_path)
    assert "not evaluated: one class" in doc.to_markdown()


def test_lesion_size_without_ground_truth_says_why(tmp_path: Path) -> None:
    doc = Document("t")
    add_lesion_size(doc, RECORDS, tmp_path)
    assert "Not available:" in doc.to_markdown() and "ground_truth.csv" in doc.to_markdown()
