"""Shard sample bytes -> the sample dict of ``medvlp.keys`` (images as float32 tensors, labels [K])."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from medvlp import keys
from medvlp.data.shards import CorruptShardError
from medvlp.knowledge.findings import CHEXPERT, CT, LabelSet

LABEL_SETS: dict[str, LabelSet] = {CHEXPERT.name: CHEXPERT, CT.name: CT}
_UINT_SCALE = {"uint8": 255.0, "uint16": 65535.0}


def labels_vector(labels: Mapping[str, Any], label_set: LabelSet) -> torch.Tensor:
    """{name: 1/0/-1/None} -> float32 [K] in the label set's order, NaN = not mentioned."""
    values = [labels.get(name) for name in label_set.labels]
    return torch.tensor([math.nan if v is None else float(v) for v in values], dtype=torch.float32)


def image_tensor(pixels: np.ndarray, meta: Mapping[str, Any]) -> torch.Tensor:
    """Stored pixels -> float32 ``[1, H, W]`` in [0, 1] (2D uint) or ``[1, X, Y, Z]`` HU (3D int16)."""
    dtype = str(pixels.dtype)
    if pixels.ndim == 2 and dtype in _UINT_SCALE:
        return torch.from_numpy(pixels.astype(np.float32) / _UINT_SCALE[dtype])[None]
    if pixels.ndim == 3 and dtype == "int16":
        return torch.from_numpy(pixels.astype(np.float32))[None]
    raise ValueError(f"unexpected stored pixels {dtype} {pixels.shape} for modality {meta.get('modality')}")


def decode_sample(key: str, members: Mapping[str, bytes], source: str) -> dict[str, Any]:
    """Decode one shard sample; raises CorruptShardError naming ``source`` and the key."""
    try:
        meta = json.loads(members["json"].decode("utf-8"))
        pixels = np.load(io.BytesIO(members["npy"]), allow_pickle=False)
        image = image_tensor(pixels, meta)
        report = members.get("txt", b"").decode("utf-8")
        label_set = LABEL_SETS[meta["label_set"]]
    except (KeyError, ValueError, OSError, UnicodeDecodeError, EOFError) as exc:
        raise CorruptShardError(source, f"sample {key!r}: {type(exc).__name__}: {exc}") from exc
    return {
        keys.KEY: key,
        keys.IMAGE: image,
        keys.REPORT: report,
        keys.SECTIONS: meta.get("sections") or {},
        keys.SENTENCES: meta.get("sentences") or [],
        keys.LABELS: labels_vector(meta.get("labels") or {}, label_set),
        keys.LABEL_NAMES: list(label_set.labels),
        keys.LABEL_SET: label_set.name,
        keys.LATERALITY: meta.get("laterality") or {},
        keys.PATIENT: meta.get("patient_id"),
        keys.STUDY: meta.get("study_id"),
        keys.MODALITY: meta.get("modality"),
        keys.VIEW: meta.get("view_position"),
        keys.SPLIT: meta.get("split"),
        keys.SPACING: torch.tensor(meta.get("spacing") or [], dtype=torch.float64),
        keys.AFFINE: torch.tensor(meta.get("affine") or np.eye(4).tolist(), dtype=torch.float64),
        keys.SLICE_POSITIONS: torch.tensor(meta.get("slice_positions") or [], dtype=torch.float64),
    }
