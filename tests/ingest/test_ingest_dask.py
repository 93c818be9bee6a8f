"""The same per-study tasks on Dask distributed give the same bytes as the local run."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_testlib import SECRET, committed_outputs

from medvlp.config import load_config
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


@pytest.mark.slow  # two worker processes each import torch+MONAI: ~20-60 s on the shared 2-core box
@pytest.mark.timeout(300)
def test_dask_local_cluster_matches_local_run(export, tmp_path) -> None:  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    source, _ = export
    cfg = load_config(IngestConfig, DEMO)
    run_ingest(source, tmp_path / "local", cfg, secret=SECRET)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        report = run_ingest(source, tmp_path / "dask", cfg, secret=SECRET, client=client)
        assert report.n_samples == 5
        assert len(client.scheduler_info()["workers"]) == 2
    assert committed_outputs(tmp_path / "dask") == committed_outputs(tmp_path / "local")
