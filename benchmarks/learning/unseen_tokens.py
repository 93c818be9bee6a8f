"""Zero-shot of one export read two ways: every prompt token, and without the tokens training never read.

    python benchmarks/learning/unseen_tokens.py EXPORT {cxr,ct} --ingest DIR [--reports DIR] [--out DIR]

An export trained with ``text.params.drop_unseen_tokens`` carries its own seen set. For an older export,
``--reports DIR`` (the synthetic data folder: ``DIR/<cxr|ct>/*/*/report.txt``) approximates it by the
tokens of those reports plus the knowledge-base synonyms (what synonym swap writes). Scores are the
benchmark's own zero-shot task on the test split. Used for benchmarks/RESULTS.md ("Session 8").
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

import torch

from medvlp.benchmark.results import latest_by_hash, read_records
from medvlp.benchmark.runner import run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.evaluation.loaders import load_encoder
from medvlp.knowledge.kb import KnowledgeBase
from medvlp.models.text import TextEncoder

SUITE = Path(__file__).resolve().parents[1] / "suites" / "synthetic.yaml"


def seen_from_reports(text: TextEncoder, folder: Path) -> torch.Tensor:
    kb = KnowledgeBase.load()
    texts = [p.read_text() for p in sorted(folder.glob("*/*/report.txt"))]
    texts += [s for name in kb.names() for s in kb.entry(name).synonyms]
    seen = torch.zeros(len(text.tokenizer))
    seen[text.tokenize(texts)["input_ids"].flatten()] = 1.0
    seen[text.tokenizer.pad_token_id or 0] = 0.0
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("which", choices=["cxr", "ct"])
    parser.add_argument("--ingest", required=True)
    parser.add_argument("--reports", default=None, help="synthetic data folder, for exports without a seen set")
    parser.add_argument("--out", default="runs/learning/unseen_tokens")
    args = parser.parse_args()
    os.environ["MEDVLP_SYNTH_INGEST"] = str(Path(args.ingest).resolve())
    suite = load_suite(SUITE, ["fractions=[1.0]", "seeds=[42]", "bootstrap.n_resamples=20"])
    modality = "2d" if args.which == "cxr" else "3d"
    suite = dataclasses.replace(suite, datasets=[d for d in suite.datasets if d.modality == modality],
                                tasks=[t for t in suite.tasks if t.task == "zeroshot"])
    for mode in ("all tokens", "without unseen"):
        encoder = load_encoder(args.export)
        text = next(m for m in encoder.modules() if isinstance(m, TextEncoder))
        if mode == "all tokens":
            text.seen_tokens = None
        elif text.seen_tokens is None:
            if args.reports is None:
                parser.error("the export has no seen set: give --reports")
            text.seen_tokens = seen_from_reports(text, Path(args.reports) / args.which)
        out = Path(args.out) / mode.replace(" ", "_")
        run_suite(suite, {f"{args.which}-{mode.replace(' ', '_')}": encoder}, out)
        for record in latest_by_hash(read_records(out)):
            per = {p["name"]: round(p["auroc"], 3) for p in record.get("per_finding", []) if p.get("auroc") is not None}
            print(f"{mode:15s} macro {record['metrics']['macro_auroc']:.4f}", per)


if __name__ == "__main__":
    main()
