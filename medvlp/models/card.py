"""medvlp's own checkpoint folder: safetensors weights + a JSON weight card + tokenizer.

```
DIR/model.safetensors   all VLPModel tensors
DIR/card.json           architecture + full config, preprocessing, label names, sha256 of the weights
DIR/tokenizer/          the tokenizer (save_pretrained format)
DIR/text_config/        the text tower's Hugging Face config (architecture only)
```
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from safetensors.torch import save_file

from medvlp.config import from_dict, to_dict
from medvlp.knowledge.label_features import LABEL_FEATURES_VERSION
from medvlp.models.errors import WeightsError
from medvlp.models.factory import build_model, label_names
from medvlp.models.model_config import ModelConfig
from medvlp.models.tokenizer import load_tokenizer
from medvlp.models.vlp import VLPModel
from medvlp.models.weights import LoadReport, load_weights, read_state_dict
from medvlp.utils.files import atomic_write_text, sha256_file
from medvlp.utils.logging import get_logger

log = get_logger(__name__)

CARD_FORMAT = "medvlp-weights"
CARD_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CARD_FILE = "card.json"
OBJECTIVE_FILE = "objective.safetensors"  # the objective's own tensors (e.g. a supervised head)
TOKENIZER_DIR = "tokenizer"
TEXT_CONFIG_DIR = "text_config"


def strip_weight_paths(params: Any) -> Any:
    """Drop ``weights`` entries (paths of the original pretrained files) from nested encoder params."""
    if isinstance(params, dict):
        return {k: strip_weight_paths(v) for k, v in params.items() if k != "weights"}
    return params


def preprocessing(model: VLPModel) -> dict[str, Any]:
    vision = model.config.vision
    return {"modality": model.config.modality, "image_size": vision.image_size, **model.visual.normalization,
            "hu_window": vision.hu_window, "spacing": vision.spacing}


def save_pretrained(model: VLPModel, directory: str | Path, card_extra: dict[str, Any] | None = None) -> Path:
    """Write weights (safetensors), card, tokenizer and text config to ``directory``; return the card path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(directory / WEIGHTS_FILE), metadata={"format": "pt"})
    model.tokenizer.save_pretrained(str(directory / TOKENIZER_DIR))
    model.text.model.config.save_pretrained(str(directory / TEXT_CONFIG_DIR))
    config = to_dict(model.config)
    config["vision"]["params"] = strip_weight_paths(config["vision"]["params"])
    card = {
        "format": CARD_FORMAT,
        "format_version": CARD_VERSION,
        "architecture": model.config.name,
        "config": config,
        "preprocessing": preprocessing(model),
        "label_names": label_names(model.config),
        "weights_file": WEIGHTS_FILE,
        "sha256": sha256_file(directory / WEIGHTS_FILE),
        "num_parameters": sum(p.numel() for p in model.parameters()),
        "tokenizer": TOKENIZER_DIR,
        "text_config": TEXT_CONFIG_DIR,
        "extra": card_extra or {},
    }
    if model.config.text.params.get("label_features"):
        card["label_features_version"] = LABEL_FEATURES_VERSION
    atomic_write_text(directory / CARD_FILE, json.dumps(card, indent=2))
    return directory / CARD_FILE


def read_card(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / CARD_FILE
    if not path.is_file():
        raise WeightsError(directory, f"not a medvlp checkpoint folder (no {CARD_FILE})")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise WeightsError(path, f"invalid JSON: {exc}") from exc
    if card.get("format") != CARD_FORMAT:
        raise WeightsError(path, f"unknown card format {card.get('format')!r}")
    return card


def check_label_features_version(card: dict[str, Any], source: Path) -> None:
    """A tower that reads the labeler's vector must get the slots it was trained on: a card from newer code
    (unknown slot meaning) is refused; an older card (No Finding read as CheXpert's derived column; no version
    recorded before version 2) loads with a warning, since only that one slot differs."""
    if not card.get("config", {}).get("text", {}).get("params", {}).get("label_features"):
        return
    version = card.get("label_features_version", 1)
    if version > LABEL_FEATURES_VERSION:
        raise WeightsError(source, f"label_features_version {version} is newer than this medvlp reads "
                                   f"({LABEL_FEATURES_VERSION}): upgrade medvlp to load it")
    if version < LABEL_FEATURES_VERSION:
        log.warning("%s: trained with label_features_version %d, this medvlp computes version %d (No Finding "
                    "now reads 'is this study normal'): its No Finding inputs differ from training",
                    source, version, LABEL_FEATURES_VERSION)


# text-tower options that are not part of the saved HF config and must reach the rebuilt tower
TEXT_PARAMS_KEPT = ("pooling", "max_length", "drop_unseen_tokens", "label_features")


def load_pretrained(directory: str | Path, min_loaded: float = 1.0, verify: bool = True) -> VLPModel:
    """Rebuild the model from the card, check the weights' sha256, load them strictly (100% default)."""
    directory = Path(directory)
    card = read_card(directory)
    weights = directory / card["weights_file"]
    if not weights.is_file():
        raise WeightsError(weights, "weights file named by the card is missing")
    if verify and sha256_file(weights) != card["sha256"]:
        raise WeightsError(weights, "sha256 does not match the weight card (corrupt or replaced file)")
    check_label_features_version(card, directory / CARD_FILE)
    config_data = copy.deepcopy(card["config"])
    # The text tower is rebuilt from the saved HF config (no weights, no original folder needed).
    text = config_data["text"]
    text["params"] = {"path": str(directory / card["text_config"]), "load_weights": False,
                      **{k: v for k, v in text["params"].items() if k in TEXT_PARAMS_KEPT}}
    text["encoder"] = "hf"
    text["tokenizer_path"] = None
    config = from_dict(ModelConfig, config_data)
    model = build_model(config, tokenizer=load_tokenizer(directory / card["tokenizer"]))
    report: LoadReport = load_weights(model, read_state_dict(weights), min_loaded=min_loaded, source=weights)
    model.load_report = report  # type: ignore[assignment]
    return model.eval()
