"""Load any encoder as an :class:`EvalEncoder` from a spec string, with strict weight loading.

Spec forms (registry ``ENCODER_LOADERS``, keyed by the prefix before ``:``):

* ``medvlp:<checkpoint dir>`` or a bare existing directory: ``medvlp.models.load_pretrained``;
  ``medvlp:<config name>`` or a bare name: ``medvlp.models.create_model`` (random init, smoke tests).
* ``timm:<architecture>[@<weights.safetensors>]``: preprocessing from timm's pretrained config.
* ``hf:<local dir>``: a transformers vision model + its image processor config.
* ``open_clip:<architecture>@<weights file>``: image and text towers + the model's transforms.
* ``toy:2d`` / ``toy:3d``: a weightless toy encoder for smoke runs.

A weights file that does not fit the architecture raises :class:`CheckpointMismatchError` naming
the file and the missing / unexpected / mis-shaped keys; nothing is loaded "partially".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from medvlp.evaluation.encoders import EvalEncoder, Preprocessing
from medvlp.evaluation.errors import CheckpointMismatchError, DatasetMissingError
from medvlp.registry import Registry

ENCODER_LOADERS: Registry[EvalEncoder] = Registry("encoder loader")


def load_strict(module: nn.Module, weights: str | Path) -> None:
    """Load a ``.safetensors`` or ``.pt`` state dict with strict key and shape checks."""
    path = Path(weights)
    if not path.is_file():
        raise DatasetMissingError(path, "weights file not found")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state: Any = load_file(str(path))
    else:
        raw = torch.load(path, map_location="cpu", weights_only=True)
        state = raw.get("state_dict", raw) if isinstance(raw, dict) else raw
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
              for k in sorted(set(own) & set(state)) if tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        parts = [f"missing {missing[:5]}" if missing else "", f"unexpected {unexpected[:5]}" if unexpected else "",
                 f"shape mismatch {shapes[:5]}" if shapes else ""]
        raise CheckpointMismatchError(path, "does not fit the architecture: " + "; ".join(p for p in parts if p))
    module.load_state_dict(state, strict=True)


@ENCODER_LOADERS.register("timm")
def load_timm(spec: str) -> EvalEncoder:
    """``<architecture>[@<weights>]`` -> a timm backbone (pooled features, intermediate pyramid)."""
    import timm
    from timm.data import resolve_data_config

    arch, _, weights = spec.partition("@")
    model: Any = timm.create_model(arch, pretrained=False, num_classes=0)  # timm's attributes are untyped
    if weights:
        load_strict(model, weights)
    cfg = resolve_data_config({}, model=model)
    pre = Preprocessing(tuple(cfg["input_size"][1:]), tuple(cfg["mean"]), tuple(cfg["std"]), cfg["input_size"][0])

    def pyramid(x: torch.Tensor) -> list[torch.Tensor]:
        return list(model.forward_intermediates(x, intermediates_only=True))

    return EvalEncoder(f"timm:{arch}", model, model, model.num_features, pre, pyramid_fn=pyramid,
                       identity=f"timm:{spec}", spatial_dims=2)


@ENCODER_LOADERS.register("hf")
def load_hf(spec: str) -> EvalEncoder:
    """A local transformers vision checkpoint; strict: any missing or mis-shaped weight is an error."""
    from transformers import AutoConfig, AutoImageProcessor, AutoModel

    path = Path(spec)
    if not path.is_dir():
        raise DatasetMissingError(path, "Hugging Face checkpoint directory not found")
    model, info = AutoModel.from_pretrained(path, local_files_only=True, output_loading_info=True)
    bad = {k: v for k, v in info.items() if k in ("missing_keys", "mismatched_keys") and v}
    if bad:
        raise CheckpointMismatchError(path, f"does not fit the architecture: {bad}")
    proc = AutoImageProcessor.from_pretrained(path, local_files_only=True)
    size = getattr(proc, "size", {}) or {}
    side = size.get("shortest_edge") or size.get("height") or 224
    pre = Preprocessing((side, side), tuple(proc.image_mean), tuple(proc.image_std), 3)

    def image_fn(x: torch.Tensor) -> torch.Tensor:
        out = model(pixel_values=x)
        pooled = getattr(out, "pooler_output", None)
        return pooled.flatten(1) if pooled is not None else out.last_hidden_state.mean(1)

    dim = getattr(AutoConfig.from_pretrained(path), "hidden_size", None) or model.config.hidden_sizes[-1]
    return EvalEncoder(f"hf:{path.name}", model, image_fn, int(dim), pre, identity=f"hf:{path.resolve()}",
                       spatial_dims=2)


@ENCODER_LOADERS.register("open_clip")
def load_open_clip(spec: str) -> EvalEncoder:
    """``<architecture>@<weights>``: open_clip image + text towers, strict state-dict loading."""
    import open_clip

    arch, _, weights = spec.partition("@")
    model = open_clip.create_model(arch, pretrained=None)
    if weights:
        load_strict(model, weights)
    tokenizer = open_clip.get_tokenizer(arch)
    mean, std = model.visual.image_mean or (0.48145466, 0.4578275, 0.40821073), model.visual.image_std
    pre = Preprocessing(tuple(model.visual.image_size) if isinstance(model.visual.image_size, (tuple, list))
                        else (model.visual.image_size,) * 2, tuple(mean), tuple(std or (0.26862954,) * 3), 3)
    text_fn: Callable[[Any], torch.Tensor] = lambda texts: model.encode_text(tokenizer(list(texts)))
    return EvalEncoder(f"open_clip:{arch}", model, model.encode_image, model.text_projection.shape[1]
                       if model.text_projection is not None else model.visual.output_dim,
                       pre, text_fn=text_fn, logit_scale=float(model.logit_scale.exp()), identity=f"open_clip:{spec}",
                       spatial_dims=2)


RANDOM_BASELINE_SEED = 0  # random-init baselines are reproducible across processes and reruns


@ENCODER_LOADERS.register("medvlp")
def load_medvlp(spec: str) -> EvalEncoder:
    """A medvlp checkpoint directory (``load_pretrained``) or model config name (``create_model``)."""
    from medvlp import models  # the models layer; its loaders define preprocessing per weight card

    path = Path(spec)
    if path.is_dir():
        model = models.load_pretrained(path)
    else:  # a random-init baseline: the same weights in every process, without touching the global RNG
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_BASELINE_SEED)
            model = models.create_model(spec)
    return wrap_vlp_model(model, spec if not path.is_dir() else path.name,
                          identity=f"medvlp:{path.resolve() if path.is_dir() else spec}")


def wrap_vlp_model(model: Any, name: str, identity: str | None = None) -> EvalEncoder:
    """Adapt a medvlp ``VLPModel``: it normalises inputs itself; we only resize to its card's size."""
    visual = model.visual
    size = getattr(model.config.vision, "image_size", None)
    window = getattr(model.config.vision, "hu_window", None)
    pre = Preprocessing(image_size=tuple(size) if size else None, channels=int(getattr(visual, "in_chans", 1)),
                        hu_window=(float(window[0]), float(window[1])) if window else None)
    return EvalEncoder(name, model, model.encode_image, int(model.config.embed_dim), pre,
                       text_fn=model.encode_text, pyramid_fn=visual.forward_pyramid,
                       logit_scale=float(model.scale().detach()), identity=identity or name,
                       spatial_dims=int(getattr(visual, "spatial_dims", 0)) or None,
                       takes_slice_positions=int(getattr(visual, "spatial_dims", 0)) == 3)


@ENCODER_LOADERS.register("toy")
def load_toy(spec: str) -> EvalEncoder:
    """``toy:2d`` / ``toy:3d``: the weightless toy encoder of :mod:`medvlp.evaluation.toy` (smoke runs)."""
    from medvlp.evaluation.toy import toy_encoder

    return toy_encoder(spatial_dims=3 if spec == "3d" else 2, name=f"toy-{spec or '2d'}")


def load_encoder(spec: str) -> EvalEncoder:
    """Resolve a ``--model`` argument (see module docstring) into an :class:`EvalEncoder`."""
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in ENCODER_LOADERS:
        return ENCODER_LOADERS.create(prefix, spec=rest)
    return ENCODER_LOADERS.create("medvlp", spec=spec)
