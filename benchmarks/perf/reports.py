"""Report throughput: sections + de-identification + labelling, medvlp vs a naive keyword baseline.

Run:  OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/reports.py [--reports 4000] [--seed 0]

Rates are per second of process CPU time, so other load on a shared machine does not distort them
much. Both contenders process the same typical chest X-ray reports (MIMIC-CXR-like templates with
planted identifiers) in one process on one core. The baseline is what a quick script would do:
lower-case keyword lookup per sentence with "no"/"without" before it, plus four PHI regexes; it has
no scope, uncertainty, laterality or sections. negspacy/negbio are not installed (both need a spaCy
or Stanford pipeline with downloaded models), so they are not compared.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import ClassVar

import numpy as np

from medvlp.knowledge import Labeler
from medvlp.knowledge.findings import CHEXPERT
from medvlp.text.deid import deidentify
from medvlp.text.sections import split_sections

HEADERS = ["FINAL REPORT\nEXAMINATION: CHEST (PA AND LAT)\n", "Patient: {name}\nMRN: {mrn}\nExam date: {date}\n", ""]
INDICATIONS = ["INDICATION: ___F with cough and fever.", "HISTORY: {age}-year-old man with shortness of breath.",
               "Clinical information: Evaluate for pneumonia."]
FINDINGS = [
    "The lungs are clear. There is no focal consolidation, pleural effusion or pneumothorax.",
    "Heart size is top normal. The mediastinal and hilar contours are within normal limits.",
    "There is a small left pleural effusion with adjacent atelectasis. No pneumothorax.",
    "Patchy opacity in the right lower lobe, which could represent pneumonia or aspiration.",
    "Endotracheal tube terminates 4.5 cm above the carina. Nasogastric tube courses below the diaphragm.",
    "Moderate cardiomegaly with mild pulmonary vascular congestion and interstitial edema.",
    "A 1.5 cm nodule projects over the left upper lobe. Healed right rib fractures.",
    "Bilateral pleural effusions have decreased. Bibasilar atelectasis is unchanged.",
    "No interval change in the right apical pleural thickening. No acute osseous abnormality.",
]
IMPRESSIONS = ["IMPRESSION: No acute cardiopulmonary process.", "IMPRESSION:\n1. Small left effusion.\n2. No pneumothorax.",
               "IMPRESSION: Cannot exclude early right lower lobe pneumonia.", "CONCLUSION: Stable cardiomegaly."]
FOOTERS = ["", "Findings discussed with Dr. {doc} at 10:45 on {date}.", "Electronically signed by {doc}, MD."]


def make_reports(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        values = {"name": f"{rng.choice(['Ana', 'John', 'Mei'])} {rng.choice(['Smith', 'Okafor', 'Lindqvist'])}",
                  "mrn": str(rng.integers(10**6, 10**8)), "date": f"0{rng.integers(1, 9)}/1{rng.integers(0, 9)}/2019",
                  "age": str(rng.integers(20, 99)), "doc": str(rng.choice(["Chen", "Garcia", "Moore"]))}
        findings = " ".join(rng.choice(FINDINGS, size=int(rng.integers(1, 4)), replace=False))
        parts = [rng.choice(HEADERS), rng.choice(INDICATIONS), "FINDINGS: " + findings, rng.choice(IMPRESSIONS),
                 rng.choice(FOOTERS)]
        out.append("\n".join(parts).format(**values))
    return out


class NaiveBaseline:
    """Keyword-in-sentence labeler plus a handful of PHI regexes (no scope, no uncertainty)."""

    KEYWORDS: ClassVar[dict[str, list[str]]] = {"Cardiomegaly": ["cardiomegaly"], "Lung Lesion": ["nodule", "mass"], "Lung Opacity": ["opacity"],
                "Edema": ["edema"], "Consolidation": ["consolidation"], "Pneumonia": ["pneumonia"],
                "Atelectasis": ["atelectasis"], "Pneumothorax": ["pneumothorax"], "Pleural Effusion": ["effusion"],
                "Pleural Other": ["pleural thickening"], "Fracture": ["fracture"],
                "Support Devices": ["tube", "line", "catheter"]}
    PHI: ClassVar[list[re.Pattern[str]]] = [re.compile(p) for p in (r"\d{1,2}/\d{1,2}/\d{2,4}", r"\b\d{6,}\b", r"Dr\. \w+", r"\d{1,2}:\d{2}")]

    def __call__(self, text: str) -> dict[str, float | None]:
        for regex in self.PHI:
            text = regex.sub("[X]", text)
        values: dict[str, float | None] = dict.fromkeys(CHEXPERT.labels)
        for sentence in text.lower().split(". "):
            for label, words in self.KEYWORDS.items():
                for word in words:
                    pos = sentence.find(word)
                    if pos >= 0:
                        negated = " no " in f" {sentence[:pos]}" or "without" in sentence[:pos]
                        values[label] = max(values[label] or -2.0, 0.0 if negated else 1.0)
        return values


def rate(fn: Callable[[str], object], reports: list[str]) -> float:
    """Reports per second of this process's CPU time (the shared machine's load does not count)."""
    fn(reports[0])  # warm-up (compiles regexes, loads rules)
    start = time.process_time()
    for text in reports:
        fn(text)
    return len(reports) / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reports = make_reports(args.reports, args.seed)
    labeler = Labeler("chexpert")

    def ours(text: str) -> object:
        clean = deidentify(text).text
        return labeler(clean, sections=split_sections(clean))  # sections are split once and shared

    stages: dict[str, Callable[[str], object]] = {"sections": split_sections, "deid": deidentify, "label": labeler}
    print(f"{len(reports)} reports, mean {np.mean([len(r) for r in reports]):.0f} characters, one core")
    for name, fn in stages.items():
        print(f"  medvlp {name:9s} {rate(fn, reports):9.0f} reports/s")
    ours_rate, naive_rate = rate(ours, reports), rate(NaiveBaseline(), reports)
    print(f"medvlp sections+deid+label {ours_rate:9.0f} reports/s/core (goal >= 2000)")
    print(f"naive keyword baseline     {naive_rate:9.0f} reports/s/core")
    print(f"ratio medvlp/naive         {ours_rate / naive_rate:9.2f}")


if __name__ == "__main__":
    main()
