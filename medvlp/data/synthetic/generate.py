"""Orchestrate a synthetic dataset: plan studies, generate them in a process pool, write the tables.

Every study depends only on (seed, its task), and tables are written in task order, so the output
is byte-identical for the same seed whatever the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from medvlp.data.synthetic.masks import value_labels
from medvlp.data.synthetic.params import GENERATOR_VERSION, StudyRecord, StudyTask, SynthParams
from medvlp.data.synthetic.seeding import STREAM_PLAN, make_rng
from medvlp.data.synthetic.study_ct import generate_ct_study
from medvlp.data.synthetic.study_cxr import generate_cxr_study
from medvlp.data.synthetic.truth import truth_columns
from medvlp.errors import ConfigError
from medvlp.utils.files import atomic_write_text
from medvlp.utils.logging import get_logger, progress

log = get_logger(__name__)
MAX_VISITS = 4


@dataclass
class SynthSummary:
    """What was generated (also written to ``summary.json``)."""

    out_dir: str
    seed: int
    generator_version: str
    n_cxr: int
    n_ct: int
    n_ct_dicom: int
    n_ct_nifti: int
    n_patients: int
    n_files: int
    parameters: dict[str, object]
    prevalence: dict[str, dict[str, float]]


def plan_tasks(n_cxr: int, n_ct: int, seed: int) -> list[StudyTask]:
    """Studies grouped into patients with 1..MAX_VISITS visits each (radiograph and CT patients apart)."""
    rng = make_rng(seed, STREAM_PLAN, 0)
    tasks: list[StudyTask] = []
    patient = 0
    for kind, n in (("cxr", n_cxr), ("ct", n_ct)):
        index = 0
        while index < n:
            visits = min(int(rng.integers(1, MAX_VISITS + 1)), n - index)
            tasks += [StudyTask(kind, index + v, patient, v) for v in range(visits)]
            index += visits
            patient += 1
    return tasks


def _run_task(task_and_params: tuple[StudyTask, SynthParams]) -> StudyRecord:
    task, params = task_and_params
    return generate_cxr_study(task, params) if task.kind == "cxr" else generate_ct_study(task, params)


def _records(tasks: list[StudyTask], params: SynthParams, workers: int) -> Iterator[StudyRecord]:
    jobs = [(t, params) for t in tasks]
    if workers <= 1:
        yield from map(_run_task, jobs)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_run_task, jobs, chunksize=max(1, min(16, len(jobs) // (4 * workers))))


def _csv_text(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def generate(out_dir: str | os.PathLike[str], n_cxr: int, n_ct: int, seed: int, *, cxr_size: int = 256,
             ct_shape: tuple[int, int, int] = (96, 96, 48), ct_spacing: tuple[float, float, float] = (3.5, 3.5, 5.0),
             workers: int | None = None) -> SynthSummary:
    """Write the synthetic dataset to ``out_dir`` (layout in docs/architecture.md) and return its summary."""
    if n_cxr < 0 or n_ct < 0 or cxr_size < 32 or min(ct_shape) < 16:
        raise ConfigError(f"bad synth sizes: n_cxr={n_cxr} n_ct={n_ct} cxr_size={cxr_size} ct_shape={ct_shape}")
    shape = (int(ct_shape[0]), int(ct_shape[1]), int(ct_shape[2]))
    spacing = (float(ct_spacing[0]), float(ct_spacing[1]), float(ct_spacing[2]))
    params = SynthParams(out_dir=Path(out_dir), seed=int(seed), cxr_size=int(cxr_size), ct_shape=shape,
                         ct_spacing=spacing)
    params.out_dir.mkdir(parents=True, exist_ok=True)
    tasks = plan_tasks(n_cxr, n_ct, seed)
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    log.info("generating %d radiograph + %d CT studies with %d workers into %s", n_cxr, n_ct, workers, out_dir)
    records = list(progress(_records(tasks, params, workers), total=len(tasks), desc="synth", unit="study"))
    truths = [r.truth for r in records]
    atomic_write_text(params.out_dir / "ground_truth.csv", _csv_text(truth_columns(), truths))
    atomic_write_text(params.out_dir / "reports.csv", _csv_text(
        ["study_key", "accession_number", "study_instance_uid", "report"], [r.report_row for r in records]))
    ledger = [{"study_id": r.truth["study_key"], "where": w, "value": v} for r in records for w, v in r.ledger]
    atomic_write_text(params.out_dir / "phi_ledger.csv", _csv_text(["study_id", "where", "value"], ledger))
    summary = _summary(params, tasks, truths)
    atomic_write_text(params.out_dir / "summary.json", json.dumps(asdict(summary), indent=2, sort_keys=True) + "\n")
    return summary


def _summary(params: SynthParams, tasks: list[StudyTask], truths: list[dict[str, str]]) -> SynthSummary:
    from medvlp.knowledge.findings import CHEXPERT, CT

    prevalence = {}
    for label_set in (CHEXPERT, CT):
        rows = [t for t in truths if t["label_set"] == label_set.name]
        prevalence[label_set.name] = {
            n: round(sum(t[n] in ("1", "-1") for t in rows) / max(1, len(rows)), 4) for n in label_set.labels}
    ct_rows = [t for t in truths if t["label_set"] == "ct"]
    n_files = sum(1 for p in params.out_dir.rglob("*") if p.is_file() and p.name != "summary.json") + 1
    return SynthSummary(
        out_dir=".", seed=params.seed, generator_version=GENERATOR_VERSION,
        n_cxr=sum(t.kind == "cxr" for t in tasks), n_ct=len(ct_rows),
        n_ct_dicom=sum(t["format"] == "dicom" for t in ct_rows), n_ct_nifti=sum(t["format"] == "nifti" for t in ct_rows),
        n_patients=len({t.patient_index for t in tasks}), n_files=n_files,
        parameters={"cxr_size": params.cxr_size, "ct_shape": list(params.ct_shape),
                    "ct_spacing": list(params.ct_spacing), "ct_nifti_fraction": params.ct_nifti_fraction,
                    "cxr_mask_values": {str(v): name for v, name in value_labels().items()}},
        prevalence=prevalence,
    )
