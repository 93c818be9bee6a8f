"""Ingest a real scanner export (Philips head CT with a scout, an exam-summary series and DICOMDIR)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_testlib import SECRET

from medvlp import keys
from medvlp.config import load_config
from medvlp.data.datasets import ShardMapDataset
from medvlp.data.manifest import read_manifest
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


@pytest.mark.realdata
def test_philips_ct_export(realdata: Path, tmp_path: Path) -> None:
    source = realdata / "dicom_series" / "dcm_qa_ct" / "In" / "Philips"
    cfg = load_config(IngestConfig, DEMO, ["require_report=false", "splits.ratios=[0,0,1]"])
    report = run_ingest(source, tmp_path / "out", cfg, secret=SECRET)
    rows = read_manifest(tmp_path / "out").to_pylist()
    assert len(rows) == sum(1 for p in source.rglob("*") if p.is_file())
    ok = [r for r in rows if r["status"] == "ok"]
    assert report.n_samples == 1 and len(ok) == 28  # the 28 axial slices, one volume
    assert all(r["reason"] == "dicomdir_index" for r in rows if r["path"].endswith(("DICOMDIR", "DIRFILE")))
    assert not [r for r in rows if r["status"] == "error"]
    sample = ShardMapDataset(tmp_path / "out", "test")[0]
    image = sample[keys.IMAGE]
    assert sample[keys.SPACING].tolist() == [4.0, 4.0, 6.0]
    extent_z = image.shape[-1] * 6.0
    assert 28 * 5.0 - 12 <= extent_z <= 28 * 5.0 + 12  # 28 x 5 mm of head resampled to 6 mm
    assert float(image.min()) >= -1024 and float(image.max()) > 500  # HU: skull is bright
