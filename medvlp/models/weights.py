"""Loading weights from local files, safely and strictly.

* Files: ``.safetensors`` (preferred) or torch pickles read with ``torch.load(weights_only=True)``;
  a pickle needing arbitrary code is refused (:class:`UnsafeCheckpointError`), never executed.
* Every load reports loaded / missing / unexpected / shape-mismatched tensors as counts and
  percentages, and fails (:class:`WeightsMismatchError`) when the loaded share is below
  ``min_loaded`` or unexpected tensors exceed ``max_unexpected`` — never a silently half-random model.
"""

from __future__ import annotations

import pickle
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from timm.models._manipulate import adapt_input_conv
from torch import Tensor, nn

from medvlp.models.errors import UnsafeCheckpointError, WeightsError, WeightsMismatchError
from medvlp.utils.logging import get_logger

log = get_logger(__name__)
CONTAINER_KEYS = ("state_dict", "model", "model_state_dict", "module", "net")
SKIPPED_SUFFIXES = ("num_batches_tracked",)  # BatchNorm counters carry no learned information


def read_state_dict(path: str | Path) -> dict[str, Tensor]:
    """A flat ``name -> tensor`` dict from a .safetensors file or a weights-only torch checkpoint."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(path, "weights file not found")
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise WeightsError(path, f"not a readable safetensors file: {exc}") from exc
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpointError(
            path, "refused: the pickle needs objects beyond plain tensors (possible code execution); "
            f"convert it to safetensors from a trusted source ({str(exc).splitlines()[0]})"
        ) from exc
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as exc:
        raise WeightsError(path, f"not a readable torch checkpoint: {exc}") from exc
    return unwrap_state_dict(obj, path)


def unwrap_state_dict(obj: Any, path: str | Path | None = None) -> dict[str, Tensor]:
    """Find the tensor dict inside common checkpoint containers; strip DataParallel ``module.``."""
    while isinstance(obj, Mapping) and not any(isinstance(v, Tensor) for v in obj.values()):
        inner = next((obj[k] for k in CONTAINER_KEYS if k in obj), None)
        if inner is None:
            raise WeightsError(path, f"no state dict found (top-level keys: {sorted(map(str, obj))[:8]})")
        obj = inner
    if not isinstance(obj, Mapping):
        raise WeightsError(path, f"expected a state dict, found {type(obj).__name__}")
    tensors = {str(k): v for k, v in obj.items() if isinstance(v, Tensor)}
    if tensors and all(k.startswith("module.") for k in tensors):
        tensors = {k[len("module."):]: v for k, v in tensors.items()}
    return tensors


@dataclass
class LoadReport:
    """What a checkpoint covered of a model (tensor counts; BatchNorm counters ignored)."""

    source: str
    total: int
    loaded: int
    checkpoint_total: int
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)

    @property
    def fraction_loaded(self) -> float:
        return self.loaded / self.total if self.total else 1.0

    @property
    def fraction_unexpected(self) -> float:
        return len(self.unexpected) / self.checkpoint_total if self.checkpoint_total else 0.0

    def summary(self) -> str:
        def some(names: list[str]) -> str:
            return f" e.g. {', '.join(names[:3])}" if names else ""

        return (f"loaded {self.loaded}/{self.total} ({100 * self.fraction_loaded:.1f}%); "
                f"missing {len(self.missing)}{some(self.missing)}; "
                f"unexpected {len(self.unexpected)} ({100 * self.fraction_unexpected:.1f}% of checkpoint)"
                f"{some(self.unexpected)}; shape mismatch {len(self.mismatched)}{some(self.mismatched)}")


def load_weights(module: nn.Module, state_dict: Mapping[str, Tensor], *, min_loaded: float = 1.0,
                 max_unexpected: float = 0.0, source: str | Path | None = None) -> LoadReport:
    """Copy matching tensors into ``module``; raise :class:`WeightsMismatchError` on a poor match."""
    own = {k: v for k, v in module.state_dict().items() if not k.endswith(SKIPPED_SUFFIXES)}
    given = {k: v for k, v in state_dict.items() if not k.endswith(SKIPPED_SUFFIXES)}
    mismatched = sorted(k for k in own.keys() & given.keys() if own[k].shape != given[k].shape)
    usable = {k: v for k, v in given.items() if k in own and k not in mismatched}
    report = LoadReport(
        source=str(source or "<state dict>"), total=len(own), loaded=len(usable), checkpoint_total=len(given),
        missing=sorted(own.keys() - usable.keys() - set(mismatched)),
        unexpected=sorted(given.keys() - own.keys()), mismatched=mismatched,
    )
    if report.fraction_loaded < min_loaded or report.fraction_unexpected > max_unexpected:
        raise WeightsMismatchError(
            source, f"checkpoint does not fit {type(module).__name__}: {report.summary()} "
            f"(required: >= {100 * min_loaded:.1f}% loaded, <= {100 * max_unexpected:.1f}% unexpected)"
        )
    module.load_state_dict(usable, strict=False)
    log.info("%s -> %s: %s", report.source, type(module).__name__, report.summary())
    return report


def adapt_first_conv(state_dict: dict[str, Tensor], key: str, in_chans: int) -> None:
    """timm's own 3-channel -> ``in_chans`` adaptation of a pretrained first convolution (in place)."""
    weight = state_dict.get(key)
    if weight is not None and weight.ndim >= 3 and weight.shape[1] != in_chans:
        state_dict[key] = adapt_input_conv(in_chans, weight)


def load_timm_weights(encoder: Any, path: str | Path, min_loaded: float = 1.0) -> LoadReport:
    """A timm checkpoint (state dict file) into a :class:`~medvlp.models.timm2d.TimmEncoder`.

    Applies the model family's ``checkpoint_filter_fn`` (e.g. ViT position-embedding resizing), the
    first-conv channel adaptation, and drops the classifier (the encoder has none).
    """
    model = encoder.model
    state = read_state_dict(path)
    filter_fn = getattr(sys.modules.get(type(model).__module__), "checkpoint_filter_fn", None)
    if filter_fn is not None:
        try:
            state = filter_fn(state, model)
        except (KeyError, RuntimeError, ValueError, TypeError, AttributeError) as exc:  # other layout;
            # the strict load report below says how much still matched.
            log.warning("%s: timm checkpoint filter failed (%s); loading unfiltered", path, exc)
    cfg = model.pretrained_cfg
    first_convs = cfg.get("first_conv") or ()
    for name in [first_convs] if isinstance(first_convs, str) else first_convs:
        adapt_first_conv(state, f"{name}.weight", _in_chans(model, name))
    classifiers = cfg.get("classifier") or ()
    for name in [classifiers] if isinstance(classifiers, str) else classifiers:
        state = {k: v for k, v in state.items() if not k.startswith(f"{name}.")}
    return load_weights(model, state, min_loaded=min_loaded, source=path)


def _in_chans(model: nn.Module, conv_name: str) -> int:
    weight = model.get_submodule(conv_name).weight
    assert isinstance(weight, Tensor)
    return int(weight.shape[1])
