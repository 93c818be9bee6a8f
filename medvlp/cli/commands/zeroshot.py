"""``medvlp zeroshot``: per-finding probabilities for radiographs and CT volumes, with optional heatmaps.

Inputs are prepared as the checkpoint's weight card says; bad files get one error line each and the
others go on. Exit code 0 when at least one study was scored, 1 when none could be.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medvlp.visualize.scoring import StudyScores

NAME = "zeroshot"
HELP = "Zero-shot finding probabilities (table + CSV) and similarity heatmaps for image files or folders."


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+",
                   help="DICOM radiographs, CT series folders, NIfTI, PNG/JPEG, or folders of them")
    p.add_argument("--checkpoint", required=True, help="medvlp checkpoint folder (save_pretrained output)")
    p.add_argument("--findings", required=True,
                   help='comma-separated findings, names or synonyms, e.g. "pleural effusion,pneumothorax"')
    p.add_argument("--out", help="write the probabilities (and per-file errors) to this CSV")
    p.add_argument("--heatmaps", help="write similarity heatmaps / slice-attention plots (PNG) here")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "study"


def write_heatmaps(result: StudyScores, out_dir: Path, index: int) -> list[Path]:
    """One PNG per finding (2D), or one slice-attention PNG per finding (3D); returns the paths."""
    from medvlp.visualize import radiograph_heatmap_figure, save_figure, volume_attention_figure

    study = result.study
    path = Path(study.path)
    label = f"{path.parent.name}_{path.name}" if study.is_volume and path.is_dir() else path.name
    stem = f"{index:03d}_{_safe(label.split('.nii')[0].removesuffix('.dcm').removesuffix('.png'))}"
    written = []
    for finding, prob in result.probabilities.items():
        heatmap = result.heatmaps.get(finding)
        name = out_dir / f"{stem}_{_safe(finding)}.png"
        if not study.is_volume and heatmap is not None:
            fig = radiograph_heatmap_figure(study.image[0].numpy(), heatmap, finding, prob,
                                            title=f"{Path(study.path).name}: {finding}")
        elif study.is_volume and result.slice_attention is not None:
            fig = volume_attention_figure(study.image[0].numpy(), result.slice_attention, study.slice_positions,
                                          similarity=heatmap, title=f"{label}: {finding} (p = {prob:.2f})")
        else:
            continue  # the model exposes no local evidence of this kind (noted in the docs)
        written.append(save_figure(fig, name))
    return written


def run(args: argparse.Namespace) -> int:
    import pandas as pd
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from medvlp.errors import InputError
    from medvlp.models import load_pretrained
    from medvlp.models.card import read_card
    from medvlp.utils.files import atomic_write_text
    from medvlp.visualize.findings import match_findings, split_findings
    from medvlp.visualize.scoring import ZeroShotScorer
    from medvlp.visualize.studies import card_dims, expand_inputs, load_study

    card = read_card(args.checkpoint)
    preprocessing = card["preprocessing"]
    findings = match_findings(split_findings(args.findings), preferred=card.get("label_names") or ())
    scorer = ZeroShotScorer(load_pretrained(args.checkpoint), findings, name=Path(args.checkpoint).name)
    console, errors = Console(), Console(stderr=True)
    rows: list[dict[str, object]] = []
    heatmap_dir = Path(args.heatmaps) if args.heatmaps else None
    for index, unit in enumerate(expand_inputs(args.inputs, card_dims(preprocessing))):
        try:
            result = scorer.score(load_study(unit, preprocessing))
        except InputError as exc:
            line = f"{exc.path or unit}: [{exc.code}] {exc.reason}"
            errors.print(f"[red]error[/red] {escape(line)}", highlight=False)
            rows.append({"path": str(unit), "status": "error", "error_code": exc.code, "error": exc.reason})
            continue
        rows.append({"path": str(unit), "status": "ok", "error_code": "", "error": "",
                     **result.probabilities})
        if heatmap_dir is not None:
            write_heatmaps(result, heatmap_dir, index)
    table = Table(title=f"Zero-shot probabilities ({Path(args.checkpoint).name})")
    ok_paths = [str(r["path"]) for r in rows if r["status"] == "ok"]
    root = os.path.commonpath(ok_paths) if len(ok_paths) > 1 else ""
    table.add_column(f"study (under {root})" if root else "study", overflow="fold")
    for finding in findings:
        table.add_column(finding, justify="right")
    for row in rows:
        if row["status"] == "ok":
            shown = os.path.relpath(str(row["path"]), root) if root else str(row["path"])
            table.add_row(shown, *(f"{float(row[f]):.3f}" for f in findings))  # type: ignore[arg-type]
    console.print(table)
    if args.out:
        frame = pd.DataFrame(rows, columns=["path", "status", "error_code", "error", *findings])
        atomic_write_text(Path(args.out), frame.to_csv(index=False))
    scored = sum(r["status"] == "ok" for r in rows)
    where = f"; heatmaps in {heatmap_dir}" if heatmap_dir else ""
    errors.print(f"scored {scored} of {len(rows)} input(s){where}")
    return 0 if scored else 1
