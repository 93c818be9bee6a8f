"""Zero-shot AUROC broken down by planted lesion size (synthetic CT), joined through the ingest manifest.

The synthetic ground truth (``<synth>/ground_truth.csv``) records each planted lesion's size as
``<finding>|size_mm``, keyed by the *synthetic* ``study_key`` with the study's relative ``path``. The
benchmark's predictions (``<bench>/predictions/<hash>.npz``) are keyed by the *pseudonymous* sample
keys and study ids that ingest de-identification wrote into the shards, which carry no link back.
The link is the ingest manifest: one row per input file with its source ``path`` (relative to the
export when ingest ran with ``record_paths: relative``) and the ``key`` / ``study_id`` it produced.
A sample's source path lies inside exactly one ground-truth study path (a DICOM study folder or a
NIfTI file), which gives its ``study_key``. With ``record_paths: hashed`` the paths are keyed hashes
and the join is impossible by design: :class:`LesionJoinError` says so.

Per finding, the positives with a recorded size are split into size bins (tertiles of the test
positives' sizes, or fixed mm edges) and each bin's positives are ranked against *all* negatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from medvlp.data.manifest import read_manifest
from medvlp.evaluation.errors import EvaluationInputError
from medvlp.evaluation.metrics import auroc

SIZE_SUFFIX = "|size_mm"


class LesionJoinError(EvaluationInputError):
    """Predictions cannot be joined to the synthetic ground truth (and why)."""



def _path_index(ground_truth: pd.DataFrame) -> dict[str, str]:
    return {str(p).strip("/"): str(k) for p, k in zip(ground_truth["path"], ground_truth["study_key"], strict=True)}


def source_study_key(path: str, index: dict[str, str]) -> str | None:
    """The ground-truth ``study_key`` whose study path is ``path`` or a folder above it."""
    parts = str(path).strip("/").split("/")
    for n in range(len(parts), 0, -1):
        key = index.get("/".join(parts[:n]))
        if key is not None:
            return key
    return None


def sample_study_keys(manifest_dir: str | Path, ground_truth: pd.DataFrame) -> dict[str, str]:
    """Pseudonymous sample key (and study id) -> synthetic ``study_key``, from the manifest's source paths."""
    table = read_manifest(manifest_dir).to_pandas()
    ok = table[table["status"] == "ok"]
    index = _path_index(ground_truth)
    out: dict[str, str] = {}
    for path, key, study in zip(ok["path"], ok["key"], ok["study_id"], strict=True):
        found = source_study_key(str(path), index)
        if found is not None:
            out[str(key)] = found
            out[str(study)] = found
    if not out and len(ok):
        raise LesionJoinError(Path(manifest_dir), "no manifest source path lies inside a ground-truth study path: "
                              "ingest probably ran with record_paths: hashed, which removes the link on purpose "
                              "(re-ingest the synthetic export with record_paths: relative to get the breakdown)")
    return out


def _bin_label(lo: float, hi: float) -> str:
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{lo:.1f}–{hi:.1f} mm"
    if np.isfinite(hi):
        return f"< {hi:.1f} mm"
    return f"≥ {lo:.1f} mm" if np.isfinite(lo) else "all sizes"


def size_bins(sizes: np.ndarray, edges: Sequence[float] | None = None) -> tuple[np.ndarray, list[str]]:
    """Bin index per size ``[N]`` and bin labels: fixed mm ``edges`` or tertiles of ``sizes``."""
    if edges is None:
        edges = list(np.quantile(sizes, [1 / 3, 2 / 3])) if sizes.size else []
    edges = sorted(float(e) for e in edges)
    labels = [_bin_label(lo, hi) for lo, hi in pairwise([-np.inf, *edges, np.inf])]
    return np.searchsorted(np.asarray(edges), sizes, side="right"), labels


def lesion_size_table(
    predictions: dict[str, np.ndarray], ground_truth: pd.DataFrame, key_map: dict[str, str],
    edges: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Rows (finding, size_bin, n_positive, n_negative, auroc, min_mm, max_mm) per finding with sizes.

    ``predictions`` holds ``scores``/``targets``/``valid`` ``[N, K]``, ``names [K]`` and
    ``sample_keys`` (or ``studies``) ``[N]``; ``key_map`` maps those to ground-truth study keys.
    """
    ids = predictions.get("sample_keys")
    if ids is None or not len(ids):
        ids = predictions.get("studies")
    if ids is None:
        raise LesionJoinError(None, "predictions hold no sample keys or study ids (benchmarked before they "
                              "were recorded: rerun the zero-shot task)")
    gt = ground_truth.set_index("study_key")
    study_keys = [key_map.get(str(i)) for i in ids]
    rows = []
    for k, name in enumerate(predictions["names"]):
        name = str(name)
        column = f"{name}{SIZE_SUFFIX}"
        if column not in gt.columns:
            continue
        valid = predictions["valid"][:, k].astype(bool)
        targets, scores = predictions["targets"][:, k], predictions["scores"][:, k]
        size = np.array([gt.at[s, column] if s in gt.index else np.nan for s in study_keys], dtype=np.float64)
        positive = valid & (targets == 1) & np.isfinite(size)
        negative = valid & (targets == 0)
        if not positive.any() or not negative.any():
            continue
        bins, labels = size_bins(size[positive], edges)
        for b, label in enumerate(labels):
            in_bin = np.flatnonzero(positive)[bins == b]
            if not in_bin.size:
                continue
            rows_t = np.concatenate([np.ones(in_bin.size), np.zeros(int(negative.sum()))])
            rows_s = np.concatenate([scores[in_bin], scores[negative]])
            rows.append({"finding": name, "size_bin": label, "n_positive": int(in_bin.size),
                         "n_negative": int(negative.sum()), "auroc": auroc(rows_t, rows_s),
                         "min_mm": float(size[in_bin].min()), "max_mm": float(size[in_bin].max())})
    return pd.DataFrame(rows, columns=["finding", "size_bin", "n_positive", "n_negative", "auroc", "min_mm",
                                       "max_mm"])


def lesion_size_breakdown(
    predictions_file: str | Path, synth_dir: str | Path, ingest_dir: str | Path, edges: Sequence[float] | None = None,
) -> pd.DataFrame:
    """:func:`lesion_size_table` from files: a benchmark ``.npz``, the synthetic folder, the ingest folder."""
    truth_path = Path(synth_dir) / "ground_truth.csv"
    if not truth_path.is_file():
        raise LesionJoinError(truth_path, "no ground_truth.csv (lesion sizes exist only for synthetic data)")
    ground_truth = pd.read_csv(truth_path, dtype={"study_key": str, "path": str})
    with np.load(predictions_file, allow_pickle=False) as data:
        predictions = {name: data[name] for name in data.files}
    return lesion_size_table(predictions, ground_truth, sample_study_keys(ingest_dir, ground_truth), edges)
