"""From SOURCE to study tasks, plus a final (status, reason) for every file in no study."""

from __future__ import annotations

from pathlib import Path

from medvlp.ingest.config import IngestConfig
from medvlp.ingest.grouping import group_studies
from medvlp.ingest.inventory import walk_source
from medvlp.ingest.masks import attach_masks
from medvlp.ingest.reports_table import ReportTable, is_report_table, load_report_table
from medvlp.ingest.source_manifest import SourceRow, read_source_manifest
from medvlp.ingest.source_tasks import tasks_from_rows
from medvlp.ingest.tasks import InputFile, StudyTask

Outcome = dict[int, tuple[str, str]]


def _table_files(files: list[InputFile], cfg: IngestConfig, root: Path) -> list[InputFile]:
    if cfg.reports_table is None:
        return []
    if cfg.reports_table == "auto":
        return [f for f in files if f.kind == "table" and "/" not in f.rel and is_report_table(Path(f.path))]
    wanted = (root / cfg.reports_table).resolve()
    return [f for f in files if Path(f.path).resolve() == wanted]


def discover(source: str | Path, cfg: IngestConfig) -> tuple[list[InputFile], list[StudyTask], Outcome]:
    """Inventory SOURCE, link images to reports and group studies (headers only, no pixels)."""
    root = Path(source).resolve()
    rows: list[SourceRow] = []
    manifest_path = None
    if cfg.source_manifest:
        manifest_path = (root / cfg.source_manifest).resolve()
        rows = read_source_manifest(manifest_path)
    extra = [p for r in rows for p in (*r.image_paths, *([r.report_path] if r.report_path else []),
                                       *([r.mask_path] if r.mask_path else []))]
    files, excluded = walk_source(root, cfg.report_file_names, cfg.exclude, extra)
    outcome: Outcome = {i: ("skipped", reason) for i, reason in excluded.items()}
    outcome.update({f.index: ("error", "missing_file") for f in files if f.kind == "missing"})
    table = ReportTable()
    for f in _table_files(files, cfg, root):
        load_report_table(f.path, table)
        outcome[f.index] = ("ok", "report_table")
    if manifest_path is not None:
        tasks, claimed = tasks_from_rows(rows, files)
        outcome.update({f.index: ("ok", "source_manifest") for f in files if Path(f.path) == manifest_path})
        outcome.update({f.index: ("skipped", "not_in_source_manifest") for f in files
                        if f.index not in claimed and f.index not in outcome})
    else:
        tasks, bad = group_studies(files, outcome, table, cfg)
        outcome.update(bad)
        attach_masks(tasks, files)
    in_tasks = {i for t in tasks for i in t.paths}
    for f in files:
        if f.index in outcome or f.index in in_tasks:
            continue
        reason = {"report": "report_unused", "dicom": "not_assembled", "mask": "mask_unused"}.get(
            f.kind, "unsupported_file")
        if Path(f.rel).name.upper() in ("DICOMDIR", "DIRFILE"):
            reason = "dicomdir_index"  # the export's index; images are found by walking the tree
        outcome[f.index] = ("skipped", reason)
    return files, tasks, outcome
