"""Test metrics of a supervised head trained on the image embedding (the ``supervised_bce`` objective).

The pretraining run exports the objective's tensors beside the model (``objective.safetensors``);
the head is the linear map stored under ``<term>.head.weight [K, D]`` / ``.head.bias [K]``. Scores
are ``sigmoid(W u + b)`` with ``u`` the L2-normalised image embedding, exactly as in training, and
the metrics come from :func:`medvlp.evaluation.tasks.classification.classification_output`, the
benchmark's own code (per-finding AUROC / F1 / accuracy, macro, patient bootstrap CIs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from medvlp.evaluation.data import EvalSplit
from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.errors import UnsupportedTaskError
from medvlp.evaluation.labels import UncertainPolicy
from medvlp.evaluation.tasks.base import BootstrapSettings, FeatureCache, TaskOutput
from medvlp.evaluation.tasks.classification import classification_output
from medvlp.models.card import OBJECTIVE_FILE


def load_head(export_dir: str | Path) -> tuple[torch.Tensor, torch.Tensor]:
    """``(weight [K, D], bias [K])`` of the single supervised head in ``export_dir/objective.safetensors``."""
    path = Path(export_dir) / OBJECTIVE_FILE
    if not path.is_file():
        raise UnsupportedTaskError(path, "no objective.safetensors: the run was not trained with supervised_bce")
    state = load_file(str(path))
    weights = [k for k in state if k.endswith("head.weight")]
    if len(weights) != 1:
        raise UnsupportedTaskError(path, f"expected exactly one '*.head.weight' tensor, found {weights}")
    prefix = weights[0][: -len("weight")]
    if prefix + "bias" not in state:
        raise UnsupportedTaskError(path, f"'{prefix}bias' missing beside '{weights[0]}'")
    return state[weights[0]].float(), state[prefix + "bias"].float()


def head_scores(features: np.ndarray, weight: torch.Tensor, bias: torch.Tensor) -> np.ndarray:
    """``features [N, D]`` (raw image embeddings) -> probabilities ``[N, K]``."""
    if features.shape[1] != weight.shape[1]:
        raise UnsupportedTaskError(None, f"head expects {weight.shape[1]}-dim embeddings, got {features.shape[1]}")
    u = F.normalize(torch.as_tensor(features, dtype=torch.float32), dim=-1)
    return torch.sigmoid(u @ weight.T + bias).numpy().astype(np.float64)


def evaluate_head(
    model: EvalEncoder, export_dir: str | Path, test: EvalSplit, bootstrap: BootstrapSettings | None = None,
    seed: int = 0, uncertain: UncertainPolicy = "ignore", features: np.ndarray | None = None,
) -> TaskOutput:
    """Metrics of the exported head on ``test`` (``features [N, D]`` reused when given)."""
    weight, bias = load_head(export_dir)
    if weight.shape[0] != len(test.label_names):
        raise UnsupportedTaskError(Path(export_dir), f"head has {weight.shape[0]} outputs, the split "
                                                     f"{len(test.label_names)} findings")
    if features is None:
        features = FeatureCache().get(model, "supervised-head", "test", None, test)
    scores = head_scores(features, weight, bias)
    return classification_output(test.labels, scores, test.label_names, test.patients,
                                 bootstrap or BootstrapSettings(), np.random.default_rng(seed), uncertain)
