"""One study end to end: read, de-identify, parse the report, preprocess, cache the result.

Runs in worker processes (local pool or Dask); its only output is one cache file per study, written
atomically, so a killed run loses at most the studies in flight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medvlp.data.shards import MASK_MEMBER, iter_tar_samples, json_bytes, npy_bytes, write_tar
from medvlp.data.splits import assign_split
from medvlp.errors import InputError
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.inventory import hashed_path
from medvlp.ingest.masks import MaskError, rasterise_boxes, read_mask_file
from medvlp.ingest.preprocess import Preprocessed, preprocess_mask, preprocess_radiograph, preprocess_volume
from medvlp.ingest.readers import read_dicom_volumes, read_nifti_volume, read_radiograph
from medvlp.ingest.report import ParsedReport, load_report_text, parse_report
from medvlp.ingest.source_manifest import LABEL_SETS
from medvlp.ingest.tasks import ImageUnit, StudyTask
from medvlp.io.deid import Pseudonymizer
from medvlp.utils.logging import get_logger

RESULT_KEY = "_result"
log = get_logger(__name__)


@dataclass
class Context:
    """What every worker needs; ``secret`` stays in memory (never written)."""

    cfg: IngestConfig
    secret: bytes
    cache_dir: str


@dataclass
class StudyResult:
    samples: list[tuple[str, dict[str, bytes]]]
    rows: list[dict[str, Any]]
    study_id: str
    split: str
    labels: dict[str, float | None]


def recorded_path(rel: str, cfg: IngestConfig, secret: bytes) -> str:
    """The manifest's path: relative to SOURCE, or keyed-hashed (config, or files outside SOURCE)."""
    return hashed_path(rel, secret) if cfg.record_paths == "hashed" or rel.startswith("ext:") else rel


def _read_unit(unit: ImageUnit, task: StudyTask, cfg: IngestConfig) -> list[tuple[Preprocessed, list[int], dict[str, str]]]:
    """Preprocessed images of one unit with the source indices each used and technical metadata."""
    if unit.kind == "radiograph":
        image = read_radiograph(task.paths[unit.files[0]])
        meta = {"modality": image.meta.modality or "CR", "view_position": image.meta.view_position or unit.view_position}
        pre = preprocess_radiograph(image, cfg.preprocess_2d)
        pre.mask, source = _unit_mask(unit, task, cfg, (int(image.pixels.shape[0]), int(image.pixels.shape[1])))
        if source is not None:  # samples without a mask keep exactly their former JSON
            meta["mask_source"] = source
        return [(pre, unit.files, meta)]
    if unit.kind == "volume_nifti":
        volume = read_nifti_volume(task.paths[unit.files[0]])
        return [(preprocess_volume(volume, cfg.preprocess_3d, task.rels[unit.files[0]]), unit.files,
                 {"modality": "CT", "view_position": ""})]
    by_path = {task.paths[i]: i for i in unit.files}
    volumes, left_out = read_dicom_volumes([task.paths[i] for i in unit.files])
    for path, status, code in left_out:
        task.skipped[by_path[path]] = (status, code)
    out = []
    for volume, paths in volumes:
        indices = [by_path[p] for p in paths]
        if len(indices) < cfg.preprocess_3d.min_slices:
            task.skipped.update({i: ("skipped", "too_few_slices") for i in indices})
            continue
        meta = {"modality": str(volume.metadata.get("modality", "CT") or "CT"), "view_position": ""}
        out.append((preprocess_volume(volume, cfg.preprocess_3d, task.rels[indices[0]]), indices, meta))
    return out


def _unit_mask(unit: ImageUnit, task: StudyTask, cfg: IngestConfig,
               shape: tuple[int, int]) -> tuple[np.ndarray | None, str | None]:
    """The unit's preprocessed mask ``uint8 [size, size]`` and its source ("file"/"boxes"), or (None, None).

    A bad mask never costs the image: its file gets an ``error`` row (``task.skipped``) and the sample
    is written without a mask.
    """
    try:
        if unit.mask is not None:
            path = task.paths[unit.mask]
            mask, source = read_mask_file(path), "file"
            if mask.shape != shape:
                raise MaskError(path, f"mask {mask.shape} does not match its image {shape}")
        elif unit.boxes is not None:
            mask, source = rasterise_boxes(unit.boxes, shape, LABEL_SETS[task.label_set], "boxes"), "boxes"
        else:
            return None, None
        return preprocess_mask(mask, cfg.preprocess_2d, source), source
    except InputError as exc:
        if unit.mask is not None:
            task.skipped[unit.mask] = ("error", exc.code)
        log.warning("segmentation mask left out (%s)", exc.code)
        return None, None


def _sample(key: str, pre: Preprocessed, meta: dict[str, Any], report: ParsedReport) -> dict[str, bytes]:
    info = {**meta, "spacing": pre.spacing, "affine": pre.affine, "slice_positions": pre.slice_positions,
            "labels": report.labels, "laterality": report.laterality, "sections": report.sections,
            "sentences": report.sentences, "pixel_dtype": str(pre.pixels.dtype)}
    members = {"npy": npy_bytes(pre.pixels), "json": json_bytes(info), "txt": report.text.encode("utf-8")}
    if pre.mask is not None:
        members[MASK_MEMBER] = npy_bytes(pre.mask)
    return members


def _label_names(label_set: str) -> tuple[str, ...]:
    return LABEL_SETS[label_set].labels


def _parse(task: StudyTask) -> ParsedReport:
    source = task.rels.get(task.report_file, "report") if task.report_file is not None else "report-table"
    path = task.paths.get(task.report_file) if task.report_file is not None else None
    return parse_report(load_report_text(path, task.report_text, source), task.label_set, task.labels)


def process_study(task: StudyTask, ctx: Context) -> StudyResult:
    """Process one study; every file of the task ends up in exactly one row."""
    cfg = ctx.cfg
    pz = Pseudonymizer(ctx.secret)
    patient, study = pz.pseudonym("patient", task.patient), pz.pseudonym("study", task.ref)
    split = task.split or assign_split(patient, cfg.splits.ratios, cfg.splits.salt)
    base = {"patient_id": patient, "study_id": study, "split": split, "label_set": task.label_set}
    status: dict[int, tuple[str, str | None, str | None]] = {}  # index -> (status, reason, key)
    samples: list[tuple[str, dict[str, bytes]]] = []
    modality: dict[int, str] = {}
    has_mask: dict[int, bool] = {}  # image file -> its sample carries a segmentation mask
    report: ParsedReport | None = None
    unit_files = [i for u in task.units for i in u.files]
    mask_files = [u.mask for u in task.units if u.mask is not None]
    try:
        if task.report_file is None and task.report_text is None:
            if cfg.require_report:
                raise InputError(None, "no_report")
            report = ParsedReport("", {}, [], dict.fromkeys(_label_names(task.label_set)), {})
        else:
            report = _parse(task)
    except InputError as exc:
        code = exc.reason if exc.path is None else exc.code
        bad = "skipped" if code == "no_report" else "error"
        status.update({i: (bad, f"report:{code}", None) for i in unit_files})
    if report is not None:
        for unit in task.units:
            try:
                images = _read_unit(unit, task, cfg)
            except InputError as exc:
                status.update({i: ("error", exc.code, None) for i in unit.files if i not in task.skipped})
                continue
            except (ValueError, RuntimeError, ArithmeticError, IndexError) as exc:
                # a reader/MONAI failure on odd input must not stop a hospital-wide batch: record it
                # (type only: messages may quote header values) and go on
                log.warning("unexpected %s while reading a unit of a study; recorded as error", type(exc).__name__)
                status.update({i: ("error", f"unexpected_{type(exc).__name__}", None) for i in unit.files
                               if i not in task.skipped})
                continue
            for pre, indices, meta in images:
                key = f"{study}_{len(samples):02d}"
                info = {**meta, **base, "source_index": min(indices)}
                samples.append((key, _sample(key, pre, info, report)))
                status.update({i: ("ok", None, key) for i in indices})
                modality.update({i: meta["modality"] for i in indices})
                has_mask.update({i: pre.mask is not None for i in indices})
                if pre.mask is not None and unit.mask is not None:
                    status[unit.mask] = ("ok", "mask", key)
                    modality[unit.mask] = "mask"
    for i, (st, reason) in task.skipped.items():
        status.setdefault(i, (st, reason, None))
    for i in unit_files:
        status.setdefault(i, ("error", "not_assembled", None))
    for i in mask_files:  # the mask of an image that failed (or of a study without a report)
        status.setdefault(i, ("skipped", "mask_unused", None))
    if task.report_file is not None:
        used = bool(samples)
        status[task.report_file] = ("ok" if used else "skipped", "report" if used else "report_unused", None)
    labels_json = json.dumps(report.labels, sort_keys=True) if report else None
    rows = [
        {"source_index": i, "path": recorded_path(task.rels[i], cfg, ctx.secret), "status": st, "reason": reason,
         "modality": modality.get(i, "report" if i == task.report_file else None), **base,
         "labels": labels_json if st == "ok" else None, "key": key, "has_mask": has_mask.get(i)}
        for i, (st, reason, key) in sorted(status.items())
    ]
    return StudyResult(samples, rows, study, split, report.labels if report and samples else {})


def cache_path(cache_dir: str | Path, cache_key: str) -> Path:
    return Path(cache_dir) / cache_key[:2] / f"{cache_key}.tar"


def run_and_cache(task: StudyTask, ctx: Context, cache_key: str) -> str:
    """Process a study and store its result atomically (a worker entry point; returns the file)."""
    result = process_study(task, ctx)
    meta = {"rows": result.rows, "study_id": result.study_id, "split": result.split, "labels": result.labels}
    path = cache_path(ctx.cache_dir, cache_key)
    write_tar(path, [*result.samples, (RESULT_KEY, {"json": json_bytes(meta)})])
    return str(path)


def load_cached(path: str | Path) -> StudyResult:
    """Read a cached study result back (raises CorruptShardError if the file is damaged)."""
    samples, meta = [], None
    for key, members in iter_tar_samples(path):
        if key == RESULT_KEY:
            meta = json.loads(members["json"])
        else:
            samples.append((key, members))
    if meta is None:
        raise InputError(path, "cached study result without its record")
    return StudyResult(samples, meta["rows"], meta["study_id"], meta["split"], meta["labels"])


__all__ = ["Context", "StudyResult", "cache_path", "load_cached", "process_study", "run_and_cache"]
