"""Segmentation end to end: synthetic painter masks -> ingest shards -> segmentation probe.

On a small synthetic set the trained probe must beat the trivial predictions (empty, and constant
foreground) on the test split's real masks, scored by the same metric functions.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from medvlp.benchmark.results import read_records
from medvlp.benchmark.runner import run_suite
from medvlp.benchmark.suite import load_suite
from medvlp.config import load_config
from medvlp.data.synthetic import generate
from medvlp.evaluation.data import load_split
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.segmentation.metrics import segmentation_metrics
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest

REPO = Path(__file__).resolve().parents[2]
SECRET = b"segmentation-test-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def synth_ingest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seg")
    generate(root / "synth", n_cxr=160, n_ct=0, seed=3, cxr_size=128, workers=2)
    cfg = load_config(IngestConfig, REPO / "configs" / "ingest" / "demo.yaml", ["workers=2"])
    run_ingest(root / "synth", root / "ingest", cfg, secret=SECRET)
    return root / "ingest"


def test_eval_split_carries_the_masks(synth_ingest: Path) -> None:
    test = load_split(synth_ingest, "test", image_size=(64, 64), label_set="chexpert", spatial_dims=2)
    assert test.masks is not None and test.has_mask is not None
    assert test.masks.shape == (len(test), 64, 64)
    assert 0 < test.has_mask.sum() < len(test)  # lateral views have no mask
    assert not test.masks[~test.has_mask].any()
    lesion = test.masks[test.has_mask]
    assert (lesion > 0).any() and (lesion == 0).any()


def test_probe_beats_empty_and_constant_predictions(synth_ingest: Path, tmp_path: Path) -> None:
    suite = {
        "name": "seg", "datasets": [{"name": "synth-cxr", "root": str(synth_ingest), "label_set": "chexpert",
                                     "modality": "2d", "image_size": [64, 64]}],
        "fractions": [1.0], "seeds": [42], "bootstrap": {"n_resamples": 20},
        "tasks": [{"task": "segmentation", "params": {"channels": 32, "epochs": 25, "batch_size": 16, "lr": 0.003}}],
    }
    (tmp_path / "s.yaml").write_text(json.dumps(suite))
    run_suite(load_suite(tmp_path / "s.yaml"), {"cxr_tiny": load_encoder("cxr_tiny")}, tmp_path / "out")
    (record,) = read_records(tmp_path / "out")
    assert record["status"] == "ok", record.get("reason")
    m = record["metrics"]
    test = load_split(synth_ingest, "test", image_size=(64, 64), label_set="chexpert", spatial_dims=2).with_masks()
    assert test.masks is not None and m["n_test"] == len(test)
    target = torch.as_tensor((test.masks > 0).astype(np.int64))
    empty = segmentation_metrics(torch.zeros_like(target), target, 2)
    constant = segmentation_metrics(torch.ones_like(target), target, 2)
    assert m["baseline_empty_dice"] == pytest.approx(empty["dice"])
    assert m["baseline_all_foreground_dice_pooled"] == pytest.approx(constant["dice_pooled"])
    for key in ("dice", "dice_pooled"):
        assert m[key] > max(empty[key], constant[key]) + 0.05, (key, m[key], empty[key], constant[key])
    assert any("dice_with_background_benchx" in n for n in record["notes"])
