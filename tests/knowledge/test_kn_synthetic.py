"""Labeler agreement and text de-identification on the synthetic corpus (ground truth + PHI ledger).

The corpus comes from ``medvlp.data.synthetic.generate`` (another layer's generator, so these are
independent checks). Figures are printed with ``-s``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from medvlp.knowledge import Labeler
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.text.deid import deidentify

synthetic = pytest.importorskip("medvlp.data.synthetic", reason="synthetic generator not available")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not hasattr(synthetic, "generate"):
        pytest.skip("medvlp.data.synthetic.generate is not available")
    out = tmp_path_factory.mktemp("synth")
    synthetic.generate(out, n_cxr=60, n_ct=20, seed=5, cxr_size=64, ct_shape=(32, 32, 16), workers=1)
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labeler_agrees_with_ground_truth(corpus: Path) -> None:
    reports = {r["study_key"]: r["report"] for r in _rows(corpus / "reports.csv")}
    labelers = {s.name: Labeler(s.name) for s in (CHEXPERT, CT)}
    agree: dict[str, list[bool]] = {}
    side_ok = []
    for truth in _rows(corpus / "ground_truth.csv"):
        labeler = labelers[truth["label_set"]]
        result = labeler(reports[truth["study_key"]])
        for name in labeler.label_set.labels:
            expected = float(truth[name]) if truth[name] else None
            agree.setdefault(f"{labeler.label_set.name}/{name}", []).append(result.values[name] == expected)
            stated = truth.get(f"{name}|side_stated") == "1" and expected in (1.0, -1.0)
            if name in labeler.label_set.sided and stated:
                side_ok.append(result.laterality[name] == truth[f"{name}|laterality"])
    per_label = {k: sum(v) / len(v) for k, v in agree.items()}
    overall = sum(sum(v) for v in agree.values()) / sum(len(v) for v in agree.values())
    print(f"\nexact agreement overall {overall:.4f}; laterality {sum(side_ok)}/{len(side_ok)}")
    for name, value in sorted(per_label.items()):
        print(f"  {name:45s} {value:.3f}")
    assert overall >= 0.98
    assert min(per_label.values()) >= 0.9
    assert side_ok and sum(side_ok) / len(side_ok) >= 0.95


def test_deid_recall_and_precision_on_ledger(corpus: Path) -> None:
    reports = {r["study_key"]: r["report"] for r in _rows(corpus / "reports.csv")}
    ledger: dict[str, list[str]] = {}
    for row in _rows(corpus / "phi_ledger.csv"):
        if row["where"] == "report":
            ledger.setdefault(row["study_id"], []).append(row["value"])
    assert sum(map(len, ledger.values())) > 100
    found = missed = wrongly_removed = clinical_words = 0
    for key, text in reports.items():
        result = deidentify(text)
        phi = [False] * len(text)
        for value in ledger.get(key, []):
            for match in re.finditer(re.escape(value), text):
                phi[match.start() : match.end()] = [True] * (match.end() - match.start())
            if value in result.text:
                missed += 1
            else:
                found += 1
        redacted = [False] * len(text)
        for span in result.spans:
            redacted[span.start : span.end] = [True] * (span.end - span.start)
        for word in re.finditer(r"\w+", text):
            if any(phi[word.start() : word.end()]):
                continue
            clinical_words += 1
            wrongly_removed += any(redacted[word.start() : word.end()])
    recall = found / (found + missed)
    precision = 1 - wrongly_removed / clinical_words
    print(f"\nPHI recall {recall:.4f} ({found}/{found + missed}); non-PHI words kept {precision:.4f}")
    assert recall == 1.0
    assert precision > 0.99
