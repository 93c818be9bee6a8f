"""``medvlp label-reports``: CheXpert-compatible rule-based labeling of a reports CSV."""

from __future__ import annotations

import argparse
import time

from medvlp.knowledge.findings import LABEL_SETS
from medvlp.knowledge.labeler import SECTIONS, Labeler
from medvlp.knowledge.labeler_csv import read_reports_csv, write_errors_csv, write_labels_csv
from medvlp.utils.logging import get_logger

NAME = "label-reports"
HELP = "Label free-text reports (CheXpert labeler CSV format) with the rule-based labeler."
log = get_logger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", help="CSV without header, one report per row")
    parser.add_argument("output", help="labels CSV (Reports + one column per label)")
    parser.add_argument("--label-set", default="chexpert", choices=sorted(LABEL_SETS))
    parser.add_argument("--laterality", action="store_true", help="add '<Label> Laterality' columns")
    parser.add_argument("--rules", action="append", default=[], metavar="YAML",
                        help="extra rules file (repeatable); adds mentions/patterns/cues")
    parser.add_argument("--section", default="training", choices=SECTIONS,
                        help="text to label: training (default: findings + impression, or the whole text "
                             "when it has no such headers), impression, or all (including indication)")
    parser.add_argument("--errors", metavar="CSV", help="write source,reason of rows that could not be labelled")


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    labeler = Labeler(args.label_set, args.rules, args.section)
    rows = read_reports_csv(args.input)
    results = labeler.label_many([r.text for r in rows], [r.source for r in rows])
    write_labels_csv(args.output, rows, results, args.label_set, args.laterality)
    n_bad = sum(1 for r in results if r.error)
    for row, result in zip(rows, results):
        if result.error:
            log.warning("%s: %s", row.source, result.error)  # row and reason, never the report text
    if args.errors:
        write_errors_csv(args.errors, rows, results)
    elapsed = time.perf_counter() - started
    log.info("labelled %d reports (%d errors) in %.2f s -> %s", len(rows), n_bad, elapsed, args.output)
    return 0
