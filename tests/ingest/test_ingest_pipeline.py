from __future__ import annotations

import logging
from pathlib import Path

from ingest_testlib import SECRET, committed_outputs, every_output_byte, find_phi
from rich.console import Console

from medvlp import keys
from medvlp.config import load_config
from medvlp.data.datasets import ShardDataset
from medvlp.data.manifest import read_manifest
from medvlp.data.splits import Splits
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest
from medvlp.ingest.summary import print_summary

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


def _cfg(*overrides: str) -> IngestConfig:
    return load_config(IngestConfig, DEMO, list(overrides))


def test_every_input_once_with_status_and_reason(export, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source, _ = export
    report = run_ingest(source, tmp_path / "out", _cfg(), secret=SECRET)
    table = read_manifest(tmp_path / "out").to_pylist()
    inputs = sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())
    assert [r["path"] for r in table] == inputs
    assert [r["source_index"] for r in table] == list(range(len(inputs)))
    by_path = {r["path"]: r for r in table}
    assert by_path["ct/p002/st002/s0/0.dcm"]["status"] == "skipped"
    assert by_path["ct/p002/st002/s0/0.dcm"]["reason"] == "localizer"
    assert (by_path["cxr/p003/st003/ser1/0.dcm"]["status"], by_path["cxr/p003/st003/ser1/0.dcm"]["reason"]) == (
        "error", "not_dicom")
    assert by_path["DICOMDIR"]["status"] == "skipped"
    assert (by_path["png/st005/frontal.png"]["status"], by_path["png/st005/frontal.png"]["reason"]) == (
        "error", "bad_raster")
    assert by_path["png/st005/report.txt"]["status"] == "skipped"  # its only image failed
    ct_rows = [r for p, r in by_path.items() if p.startswith("ct/p002/st002/s1/")]
    assert len(ct_rows) == 6 and len({r["key"] for r in ct_rows}) == 1 and ct_rows[0]["status"] == "ok"
    ok_keys = {r["key"] for r in table if r["status"] == "ok" and r["key"]}
    assert len(ok_keys) == report.n_samples == 5  # 2 CR views + CT series + NIfTI + PNG
    assert all(r["shard"] and r["shard"].startswith(r["split"]) for r in table if r["key"])


def test_shards_readable_and_splits_disjoint_by_patient(export, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source, _ = export
    out = tmp_path / "out"
    run_ingest(source, out, _cfg("splits.ratios=[0.5,0.0,0.5]"), secret=SECRET)
    seen: dict[str, set[str]] = {}
    for split in keys.SPLITS:
        if not list((out / "shards").glob(f"{split}-*.tar")):
            continue
        for sample in ShardDataset(out, split):
            seen.setdefault(sample[keys.PATIENT], set()).add(split)
            image = sample[keys.IMAGE]
            assert image.ndim in (3, 4) and float(image.abs().sum()) > 0
            if sample[keys.MODALITY] == "CT":
                assert len(sample[keys.SLICE_POSITIONS]) == image.shape[-1]
                assert sample[keys.SPACING].tolist() == [4.0, 4.0, 6.0]
            else:
                assert image.shape == (1, 64, 64)
    assert seen and all(len(s) == 1 for s in seen.values())
    splits = Splits.load(out / "splits.json")
    assert {p: next(iter(s)) for p, s in seen.items()} == splits.patients


def test_no_phi_in_any_output_log_or_summary(export, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    source, phi = export
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG)
    report = run_ingest(source, out, _cfg(), secret=SECRET)
    console = Console(record=True, width=200)
    print_summary(report.rows, report.n_samples, report.n_shards, console)
    chunks = every_output_byte(out) + [caplog.text.encode(), console.export_text().encode()]
    assert find_phi(chunks, phi) == []
    assert not any(SECRET in c for c in chunks)
    # the scan itself must be able to fail: the source holds the planted values
    assert find_phi(every_output_byte(source), phi)


def test_workers_and_rerun_give_identical_bytes(export, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source, _ = export
    run_ingest(source, tmp_path / "one", _cfg(), secret=SECRET)
    run_ingest(source, tmp_path / "two", _cfg("workers=2"), secret=SECRET)
    reference = committed_outputs(tmp_path / "one")
    assert committed_outputs(tmp_path / "two") == reference
    cache = sorted((tmp_path / "one" / ".cache").rglob("*.tar"))
    stamps = [p.stat().st_mtime_ns for p in cache]
    run_ingest(source, tmp_path / "one", _cfg(), secret=SECRET)  # rerun: everything cached
    assert [p.stat().st_mtime_ns for p in cache] == stamps
    assert committed_outputs(tmp_path / "one") == reference
    run_ingest(source, tmp_path / "one", _cfg("preprocess_2d.size=32"), secret=SECRET)
    assert committed_outputs(tmp_path / "one") != reference  # a config change is not served from cache


def test_hashed_paths_hide_folder_names(export, tmp_path) -> None:  # type: ignore[no-untyped-def]
    source, _ = export
    run_ingest(source, tmp_path / "out", _cfg("record_paths=hashed"), secret=SECRET)
    manifest = (tmp_path / "out" / "manifest.csv").read_text()
    assert "p001" not in manifest and "st002" not in manifest
    assert "h-" in manifest


def test_cli_exit_code_nonzero_only_when_nothing_ingested(export, tmp_path, secret_env) -> None:  # type: ignore[no-untyped-def]
    from medvlp.cli.main import main

    source, _ = export
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    (empty / "a" / "notes.xyz").write_text("nothing to ingest")
    assert main(["ingest", str(empty), str(tmp_path / "o1"), "--config", str(DEMO)]) == 1
    assert read_manifest(tmp_path / "o1").column("reason").to_pylist() == ["unsupported_file"]
    assert main(["ingest", str(source), str(tmp_path / "o2"), "--config", str(DEMO), "--workers", "1",
                 "--set", "preprocess_2d.size=32"]) == 0
    assert (tmp_path / "o2" / "ingest_config.yaml").read_text().count("size: 32") == 1
