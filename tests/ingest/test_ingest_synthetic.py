"""End to end on the synthetic dataset: every input accounted for, no planted PHI anywhere."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import pytest
from ingest_testlib import SECRET, every_output_byte, find_phi
from rich.console import Console

from medvlp.config import load_config
from medvlp.data.manifest import read_manifest
from medvlp.data.splits import Splits
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import IngestReport, run_ingest
from medvlp.ingest.summary import print_summary

synthetic = pytest.importorskip("medvlp.data.synthetic", reason="synthetic generator not available")
DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, IngestReport, bytes]:
    root = tmp_path_factory.mktemp("synth")
    synthetic.generate(root / "src", n_cxr=8, n_ct=4, seed=3, cxr_size=64, ct_shape=(32, 32, 16), workers=1)
    logger = logging.getLogger("medvlp")
    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        report = run_ingest(root / "src", root / "out", load_config(IngestConfig, DEMO), secret=SECRET)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    console = Console(record=True, width=200)
    print_summary(report.rows, report.n_samples, report.n_shards, console)
    return root / "src", root / "out", report, ("\n".join(records) + console.export_text()).encode()


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_input_exactly_once(ingested) -> None:  # type: ignore[no-untyped-def]
    source, out, _, _ = ingested
    rows = read_manifest(out).to_pylist()
    assert [r["path"] for r in rows] == sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    truth = _csv(source / "ground_truth.csv")
    studies_with_samples = {r["study_id"] for r in rows if r["status"] == "ok" and r["key"]}
    assert len(studies_with_samples) == len(truth)  # every synthetic study became samples
    assert not [r for r in rows if r["status"] == "error"]


def test_no_planted_phi_anywhere(ingested) -> None:  # type: ignore[no-untyped-def]
    source, out, _, logs = ingested
    ledger = [row["value"] for row in _csv(source / "phi_ledger.csv")]
    values = sorted({v for v in ledger if len(v) >= 4})
    assert values and find_phi(every_output_byte(source), values)  # the scan can see them in the source
    assert find_phi(every_output_byte(out) + [logs], values) == []


def test_patients_linked_and_never_split(ingested) -> None:  # type: ignore[no-untyped-def]
    source, out, _, _ = ingested
    rows = [r for r in read_manifest(out).to_pylist() if r["status"] == "ok" and r["key"]]
    truth = {t["path"]: t for t in _csv(source / "ground_truth.csv")}
    patient_of_key: dict[str, str] = {}
    for r in rows:
        if r["path"].startswith(("cxr/", "ct/dicom/")):  # folder/header-linked studies (NIfTI has no patient)
            study_folder = "/".join(r["path"].split("/")[: 3 if r["path"].startswith("cxr/") else 4])
            patient_of_key[truth[study_folder]["patient_key"]] = patient_of_key.get(
                truth[study_folder]["patient_key"], r["patient_id"])
            assert patient_of_key[truth[study_folder]["patient_key"]] == r["patient_id"]
    assert len(set(patient_of_key.values())) == len(patient_of_key)
    splits = Splits.load(out / "splits.json")
    for r in rows:
        assert splits.patients[r["patient_id"]] == r["split"]
