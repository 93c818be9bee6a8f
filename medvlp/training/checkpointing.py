"""Crash-safe Lightning checkpoints and the end-of-run safetensors export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from safetensors.torch import save_file
from torch import nn

from medvlp.models.card import OBJECTIVE_FILE
from medvlp.utils.files import atomic_open, atomic_write_text

LAST_CHECKPOINT = "last.ckpt"


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes every checkpoint to a temporary sibling and renames it into place.

    A run killed (SIGKILL) while saving leaves the previous ``last.ckpt`` intact, so restarting the
    same command always finds a loadable checkpoint. Loading is restricted to ``weights_only``.
    """

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None) -> None:
        with atomic_open(path, "wb") as fh:
            torch.save(checkpoint, fh)

    def load_checkpoint(self, path: Any, map_location: Any = lambda storage, loc: storage,
                        weights_only: bool | None = None) -> dict[str, Any]:
        return torch.load(path, map_location=map_location, weights_only=True)


def resume_checkpoint(checkpoint_dir: Path) -> Path | None:
    """``last.ckpt`` of an earlier (possibly killed) run of the same command, if any."""
    last = checkpoint_dir / LAST_CHECKPOINT
    return last if last.is_file() else None


def export_weights(model: nn.Module, directory: Path, card_extra: dict[str, Any]) -> Path:
    """Publish ``model``: the models layer's ``save_pretrained`` (safetensors + weight card + tokenizer)
    for a :class:`medvlp.models.VLPModel`, else a bare safetensors file with a minimal card."""
    from medvlp.models import VLPModel, save_pretrained

    if isinstance(model, VLPModel):
        return save_pretrained(model, directory, card_extra=card_extra)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / "model.safetensors"), metadata={"format": "pt"})
    card = {"architecture": type(model).__name__, "weights_file": "model.safetensors", "extra": card_extra,
            "num_parameters": sum(p.numel() for p in model.parameters())}
    atomic_write_text(directory / "card.json", json.dumps(card, indent=2))
    return directory / "card.json"




def export_objective(objective: nn.Module, directory: Path) -> Path | None:
    """The objective's own learned tensors (e.g. a supervised head, SigLIP bias) beside the model's
    export as ``objective.safetensors``; None (nothing written) when the objective has no state."""
    state = {k: v.detach().cpu().contiguous() for k, v in objective.state_dict().items()}
    if not state:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / OBJECTIVE_FILE
    save_file(state, str(path), metadata={"format": "pt", "objective": type(objective).__name__})
    return path
