"""Can the text tower read its reports? A linear probe from report embeddings to the labeler's labels.

    python benchmarks/learning/text_probe.py EXPORT --reports DIR [--label-set chexpert]

Every ``report.txt`` under DIR is de-identified and parsed as ingest does, labelled by the rule-based
labeler (positive = 1, anything else 0), embedded by the exported model's text tower, and a logistic
regression per finding (C = 10) is fitted on the first two thirds (sorted paths) and scored on the rest.
The labels are a deterministic function of the text, so a tower that encodes its reports scores near
1.0; a low figure locates a zero-shot shortfall on the text side. Used for benchmarks/RESULTS.md
("Session 4").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from medvlp.evaluation.loaders import load_encoder
from medvlp.ingest.report import parse_report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("--reports", required=True, help="folder searched for report.txt files")
    parser.add_argument("--label-set", default="chexpert")
    args = parser.parse_args()
    model = load_encoder(args.export)
    texts, rows = [], []
    for path in sorted(Path(args.reports).rglob("report.txt")):
        parsed = parse_report(path.read_text(), args.label_set, None)
        texts.append(parsed.text)
        rows.append({k: float(v == 1) for k, v in parsed.labels.items()})
    names = sorted(rows[0])
    y = np.array([[row[k] for k in names] for row in rows])
    with torch.no_grad():
        x = torch.cat([model.encode_text(texts[i:i + 64]) for i in range(0, len(texts), 64)]).float().numpy()
    n = len(texts) * 2 // 3
    aucs = []
    for k, name in enumerate(names):
        if y[:n, k].min() == y[:n, k].max() or y[n:, k].min() == y[n:, k].max():
            continue
        probe = LogisticRegression(C=10.0, max_iter=3000).fit(x[:n], y[:n, k])
        aucs.append(roc_auc_score(y[n:, k], probe.decision_function(x[n:])))
        print(f"{name:28s} {aucs[-1]:.3f}")
    print(f"text probe macro AUROC {np.mean(aucs):.3f} ({len(aucs)} findings, {len(texts)} reports)")


if __name__ == "__main__":
    main()
