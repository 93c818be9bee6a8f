"""CT volumes are windowed as each model was trained (its card's HU window), not one window for all."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medvlp.benchmark.runner import SplitStore
from medvlp.benchmark.suite import DatasetSpec
from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.data.splits import Splits
from medvlp.evaluation.encoders import EvalEncoder, Preprocessing
from medvlp.knowledge.findings import CT


def _ct_ingest(root: Path) -> None:
    splits = Splits()
    samples = []
    for i in range(2):
        patient, study = f"p{i}", f"s{i}"
        splits.patients[patient] = splits.studies[study] = "test"
        meta = {"patient_id": patient, "study_id": study, "modality": "CT", "view_position": None,
                "split": "test", "label_set": CT.name, "labels": {n: float(i) for n in CT.labels},
                "laterality": {}, "sections": {}, "sentences": ["x"], "pixel_dtype": "int16",
                "spacing": [4.0, 4.0, 6.0], "slice_positions": [0.0, 6.0, 12.0, 18.0],
                "affine": np.eye(4).tolist()}
        volume = np.zeros((8, 8, 4), dtype=np.int16)  # 0 HU everywhere
        samples.append((f"{study}_00", {"npy": npy_bytes(volume), "json": json_bytes(meta), "txt": b"x"}))
    write_tar(root / "shards" / "test-000000.tar", samples)
    (root / "splits.json").write_text(splits.to_json())


def _encoder(window: tuple[float, float] | None) -> EvalEncoder:
    import torch

    return EvalEncoder("toy", torch.nn.Identity(), lambda x: x.flatten(1), 4,
                       Preprocessing(hu_window=window), spatial_dims=3)


def test_card_window_overrides_the_dataset_window(tmp_path: Path) -> None:
    _ct_ingest(tmp_path)
    spec = DatasetSpec(name="ct", root=str(tmp_path), label_set="ct", modality="3d", image_size=[8, 8, 4],
                       window=[40.0, 400.0])
    store = SplitStore()
    by_dataset = store.loader(spec, _encoder(None))("test", None).images
    by_card = store.loader(spec, _encoder((-1000.0, 1000.0)))("test", None).images
    assert np.allclose(by_dataset.numpy(), 0.4, atol=1e-4)  # (0 - 40) / 400 + 0.5
    assert np.allclose(by_card.numpy(), 0.5, atol=1e-4)  # (0 - (-1000)) / 2000
