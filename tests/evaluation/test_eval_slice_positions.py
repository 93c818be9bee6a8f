"""Volumes are evaluated with the mm positions of the slices the encoder is given (as in training)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.data.splits import Splits
from medvlp.evaluation.data import load_split, z_extent_mm
from medvlp.evaluation.encoders import resampled_positions
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.zeroshot import encode_images
from medvlp.knowledge.findings import CT


def test_extent_from_spacing_or_positions() -> None:
    assert z_extent_mm(40, [4.0, 4.0, 6.0], []) == 240.0
    assert z_extent_mm(3, [], [10.0, 15.0, 20.0]) == pytest.approx(15.0)
    assert z_extent_mm(3, [], []) is None


def test_resampled_positions_are_the_interpolation_grid() -> None:
    assert resampled_positions(torch.tensor([60.0, 30.0]), 3).tolist() == [[10.0, 30.0, 50.0], [5.0, 15.0, 25.0]]


def _write_ct_ingest(root: Path, depths: list[int]) -> Path:
    splits, samples = Splits(), []
    for i, depth in enumerate(depths):
        patient, study = f"p{i}", f"s{i}"
        splits.patients[patient], splits.studies[study] = "test", "test"
        pixels = np.full((8, 8, depth), 40 * i, dtype=np.int16)
        meta = {"patient_id": patient, "study_id": study, "modality": "CT", "split": "test",
                "label_set": CT.name, "labels": {CT.labels[0]: float(i % 2)}, "pixel_dtype": "int16",
                "spacing": [2.0, 2.0, 5.0], "slice_positions": [5.0 * k for k in range(depth)]}
        samples.append((study, {"npy": npy_bytes(pixels), "json": json_bytes(meta), "txt": b"report."}))
    write_tar(root / "shards" / "test-000000.tar", samples)
    (root / "splits.json").write_text(splits.to_json())
    return root


def test_load_split_keeps_each_volume_extent_and_features_use_it(tmp_path: Path) -> None:
    root = _write_ct_ingest(tmp_path / "ingest", [12, 20])
    split = load_split(root, "test", image_size=[8, 8, 6], label_set="ct", spatial_dims=3)
    assert split.z_extent_mm is not None and split.z_extent_mm.tolist() == [60.0, 100.0]
    assert split.subset([1]).z_extent_mm.tolist() == [100.0]  # type: ignore[union-attr]

    encoder = load_encoder("ct_slicepool_tiny")  # random init, positions coded in mm
    assert encoder.takes_slice_positions
    with torch.no_grad():
        given = encode_images(encoder, [split.images], [torch.as_tensor(split.z_extent_mm)])
        x = encoder.preprocessing(split.images)
        expected = encoder.backbone.encode_image(
            x, slice_positions=resampled_positions(torch.as_tensor(split.z_extent_mm), x.shape[-1]))
        default = encode_images(encoder, [split.images])
    torch.testing.assert_close(given, expected.float())
    assert not torch.allclose(given, default)  # 1-mm index positions would be a different input


def test_fine_tuning_passes_the_extents_and_nan_means_unknown() -> None:
    from medvlp.evaluation.finetune import ClassifierHead

    torch.manual_seed(0)
    encoder = load_encoder("ct_slicepool_tiny")
    head = ClassifierHead(encoder, encoder.embed_dim, 2).eval()
    images = torch.rand(2, 1, 8, 8, 6)
    extents = torch.tensor([60.0, 100.0])
    with torch.no_grad():
        torch.testing.assert_close(head(images, extents), head.head(encoder.encode_image(images, extents).float()))
        torch.testing.assert_close(head(images, torch.full((2,), float("nan"))), head(images))
        assert not torch.allclose(head(images, extents), head(images))
