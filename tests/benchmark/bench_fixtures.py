"""A tiny ingest output (shards + splits.json) written through the data layer's shard writer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from medvlp.data.shards import json_bytes, npy_bytes, write_tar
from medvlp.data.splits import Splits
from medvlp.knowledge.findings import CHEXPERT

FINDINGS = ["Cardiomegaly", "Pleural Effusion", "Edema"]


def write_ingest(root: Path, n_patients: int = 24, seed: int = 0, single_class: bool = False) -> Path:
    """Patients with 1-2 views per study; labels drive image brightness so probes can learn.

    ``single_class``: every finding negative on the test split (AUROC undefined everywhere).
    """
    rng = np.random.default_rng(seed)
    splits = Splits()
    by_split: dict[str, list] = {"train": [], "valid": [], "test": []}
    for p in range(n_patients):
        split = ["train", "train", "train", "valid", "test", "test"][p % 6]
        patient, study = f"p{p:03d}", f"s{p:03d}"
        splits.patients[patient] = split
        splits.studies[study] = split
        labels = {name: float(rng.integers(0, 2)) for name in FINDINGS}
        if single_class and split == "test":
            labels = {name: 0.0 for name in FINDINGS}
        words = [("" if v else "no ") + n.lower() for n, v in labels.items()]
        for view in range(1 + p % 2):
            level = 40 + 60 * labels["Cardiomegaly"] + rng.integers(0, 40)
            pixels = np.full((24, 24), level, dtype=np.uint8)
            meta = {"patient_id": patient, "study_id": study, "modality": "DX", "view_position": "PA",
                    "split": split, "label_set": CHEXPERT.name, "labels": labels, "laterality": {},
                    "sections": {}, "sentences": words, "pixel_dtype": "uint8"}
            by_split[split].append((f"{study}v{view}", {"npy": npy_bytes(pixels), "json": json_bytes(meta),
                                                      "txt": ". ".join(words).encode()}))
    for split, samples in by_split.items():
        write_tar(root / "shards" / f"{split}-000000.tar", samples)
    train_studies = sorted(s for s, sp in splits.studies.items() if sp == "train")
    splits.fractions = {"0.5": train_studies[: len(train_studies) // 2], "1": train_studies}
    (root / "splits.json").write_text(splits.to_json())
    return root


def write_suite(path: Path, root: Path, **extra: object) -> Path:
    suite = {
        "name": "tiny",
        "datasets": [{"name": "tiny", "root": str(root), "image_size": [32, 32]}],
        "fractions": [0.5, 1.0],
        "seeds": [42, 0],
        "bootstrap": {"n_resamples": 50},
        "tasks": [{"task": "zeroshot"}, {"task": "linear_probe", "params": {"Cs": [0.1, 1.0]}},
                  {"task": "retrieval"}],
        **extra,
    }
    path.write_text(json.dumps(suite))  # JSON is valid YAML
    return path
