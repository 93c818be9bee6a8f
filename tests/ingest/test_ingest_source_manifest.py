from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from ingest_testlib import SECRET
from PIL import Image

from medvlp.config import load_config
from medvlp.data.manifest import read_manifest
from medvlp.data.splits import Splits
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest
from medvlp.ingest.source_manifest import SourceManifestError, read_source_manifest, write_source_manifest

DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


def _dataset(root: Path) -> Path:
    rng = np.random.default_rng(0)
    (root / "images").mkdir(parents=True)
    for i in range(4):
        Image.fromarray(rng.integers(1, 255, (20, 30)).astype(np.uint8)).save(root / "images" / f"{i}.png")
    (root / "notes").mkdir()
    (root / "notes" / "r3.txt").write_text("FINDINGS: Pneumothorax on the right.\n")
    rows = [
        {"image_path": "images/0.png;images/1.png", "report": "FINDINGS: Cardiomegaly.", "patient_id": "A",
         "study_id": "s0", "split": "train", "Cardiomegaly": "1", "Edema": ""},
        {"image_path": "images/2.png", "report": "FINDINGS: Normal.", "patient_id": "B", "study_id": "s1",
         "split": "test", "Cardiomegaly": "0", "Edema": "-1"},
        {"image_path": "images/3.png", "report_path": "notes/r3.txt", "patient_id": "A", "study_id": "s2",
         "split": "train", "Cardiomegaly": "", "Edema": ""},
        {"image_path": "images/gone.png", "report": "FINDINGS: Normal.", "patient_id": "C", "study_id": "s3"},
    ]
    write_source_manifest(rows, root / "source.csv")
    return root / "source.csv"


def test_read_source_manifest(tmp_path: Path) -> None:
    rows = read_source_manifest(_dataset(tmp_path))
    assert [len(r.image_paths) for r in rows] == [2, 1, 1, 1]
    assert rows[0].image_paths[0] == tmp_path / "images" / "0.png"
    assert rows[1].labels["Edema"] == -1.0 and math.isnan(rows[0].labels["Edema"])
    assert rows[2].report_path == tmp_path / "notes" / "r3.txt" and rows[2].split == "train"


@pytest.mark.parametrize("header,line,problem", [
    ("report\n", "x\n", "image_path"),
    ("image_path,report,Cardiomegally\n", "a.png,x,1\n", "unknown column"),
    ("image_path,report,Cardiomegaly\n", "a.png,x,2\n", "label value"),
    ("image_path,report,split\n", "a.png,x,training\n", "split"),
])
def test_bad_manifests_are_typed_errors(tmp_path: Path, header: str, line: str, problem: str) -> None:
    (tmp_path / "m.csv").write_text(header + line)
    with pytest.raises(SourceManifestError, match=problem):
        read_source_manifest(tmp_path / "m.csv")


def test_ingest_from_source_manifest(tmp_path: Path) -> None:
    _dataset(tmp_path / "src")
    cfg = load_config(IngestConfig, DEMO, ["source_manifest=source.csv"])
    report = run_ingest(tmp_path / "src", tmp_path / "out", cfg, secret=SECRET)
    assert report.n_samples == 4
    rows = {r["path"]: r for r in read_manifest(tmp_path / "out").to_pylist()}
    assert rows["source.csv"]["status"] == "ok"
    assert (rows["images/gone.png"]["status"], rows["images/gone.png"]["reason"]) == ("error", "missing_file")
    assert rows["images/2.png"]["split"] == "test"  # the official split wins
    assert rows["images/0.png"]["labels"] == '{"Cardiomegaly": 1.0, "Edema": null}'
    assert rows["images/0.png"]["patient_id"] == rows["images/3.png"]["patient_id"]
    splits = Splits.load(tmp_path / "out" / "splits.json")
    assert set(splits.studies.values()) == {"train", "test"}


def test_adapter_extra_columns_are_kept_not_rejected(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text('image_path,report,Cardiomegaly,x_covid_19,boxes,mask_path\n'
                                    'a.png,x,1,1,"[[0, 0, 4, 4, ""Nodule""]]",\n')
    (row,) = read_source_manifest(tmp_path / "m.csv")
    assert row.labels == {"Cardiomegaly": 1.0}
    assert row.extras == {"x_covid_19": "1", "boxes": '[[0, 0, 4, 4, "Nodule"]]'}  # empty mask_path dropped
