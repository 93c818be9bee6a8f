"""open_clip checkpoints (timm image trunk + Hugging Face text tower, e.g. BiomedCLIP) into a VLPModel."""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from medvlp.models.vlp import VLPModel
from medvlp.models.weights import LoadReport, adapt_first_conv, load_weights, read_state_dict

# open_clip name prefix -> VLPModel name prefix (TimmModel trunk/head, HFTextEncoder transformer/proj).
PREFIX_MAP = (
    ("visual.trunk.", "visual.model."),
    ("visual.head.proj.", "image_proj."),
    ("text.transformer.", "text.model."),
    ("text.proj.", "text_proj."),
)


def rename_open_clip(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """open_clip names -> medvlp names; keys without a mapping are kept (and reported as unexpected)."""
    out = {}
    for key, value in state.items():
        for old, new in PREFIX_MAP:
            if key.startswith(old):
                key = new + key[len(old):]
                break
        out[key] = value
    return out


def load_open_clip_weights(model: VLPModel, path: str | Path, min_loaded: float = 1.0,
                           max_unexpected: float = 0.0) -> LoadReport:
    """Load an open_clip state dict (``visual.``/``text.`` prefixes) into ``model``.

    The image tower must be the same timm architecture (``TimmEncoder``) and the text tower the same
    HF architecture; open_clip's own ResNet/ViT towers do not map and fail the strict check. A
    3-channel first conv is adapted to the model's input channels as timm does.
    """
    state = rename_open_clip(read_state_dict(path))
    timm_model = getattr(model.visual, "model", None)
    if timm_model is not None and hasattr(timm_model, "pretrained_cfg"):
        first = timm_model.pretrained_cfg.get("first_conv")
        for name in [first] if isinstance(first, str) else (first or ()):
            in_chans = int(timm_model.get_submodule(name).weight.shape[1])
            adapt_first_conv(state, f"visual.model.{name}.weight", in_chans)
    return load_weights(model, state, min_loaded=min_loaded, max_unexpected=max_unexpected, source=path)
