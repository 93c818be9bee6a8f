"""``text.params.label_features``: the tower adds a learned projection of the labeler's vector to its output."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import torch

from medvlp import keys
from medvlp.knowledge.label_features import LABEL_FEATURES_VERSION, label_features
from medvlp.models import create_model
from medvlp.models.card import load_pretrained, save_pretrained
from medvlp.models.errors import WeightsError
from medvlp.models.vlp import VLPModel
from medvlp.training.collate import PretrainCollate

TEXTS = ["No pneumothorax. Small left pleural effusion.", "a chest radiograph showing no pneumothorax", ""]
OVERRIDES = {"text.params.label_features": "chexpert"}


@pytest.fixture(scope="module")
def model() -> VLPModel:
    torch.manual_seed(0)
    return create_model("cxr_tiny", **OVERRIDES).eval()


def test_pooled_output_is_the_tower_plus_the_projected_labels(model: VLPModel) -> None:
    enc = model.text.tokenize(TEXTS)
    assert torch.equal(enc[keys.LABEL_FEATURES], label_features(TEXTS, "chexpert"))
    proj = model.text.label_proj
    assert proj is not None
    with torch.no_grad():
        full = model.text(enc["input_ids"], enc["attention_mask"], enc[keys.LABEL_FEATURES]).pooled
        saved = proj.weight.clone()
        proj.weight.zero_()
        try:
            tower = model.text(enc["input_ids"], enc["attention_mask"], enc[keys.LABEL_FEATURES]).pooled
        finally:
            proj.weight.copy_(saved)
    assert torch.allclose(full - tower, enc[keys.LABEL_FEATURES] @ saved.T, atol=1e-5)
    assert not torch.allclose(full[0], tower[0])  # the labels do move a text that states findings
    assert torch.equal(full[2], tower[2])  # the blank text states none
    assert torch.isfinite(model.encode_text(TEXTS)).all()


def test_calling_without_the_vectors_is_an_error(model: VLPModel) -> None:
    enc = model.text.tokenize(TEXTS)
    with pytest.raises(ValueError, match="label_features"):
        model.text(enc["input_ids"], enc["attention_mask"])
    plain = create_model("cxr_tiny").eval()
    with pytest.raises(ValueError, match="label_features"):
        plain.text(enc["input_ids"], enc["attention_mask"], enc[keys.LABEL_FEATURES])
    assert keys.LABEL_FEATURES not in plain.text.tokenize(TEXTS)


def test_collate_batches_the_vectors_and_training_forward_uses_them(model: VLPModel) -> None:
    collate = PretrainCollate(model.tokenizer, 64, label_set="chexpert")
    samples = [{keys.IMAGE: torch.rand(1, 64, 64), keys.REPORT: t, keys.KEY: str(i),
                keys.SWAP_NEGATIVES: ["Pneumothorax. No pleural effusion."] if i == 0 else []}
               for i, t in enumerate(TEXTS[:2])]
    batch = collate(samples)
    assert batch is not None
    assert torch.equal(batch[keys.LABEL_FEATURES], label_features(TEXTS[:2], "chexpert"))
    assert batch[keys.SWAP_LABEL_FEATURES].shape == (2, batch[keys.LABEL_FEATURES].shape[1])
    model.train()
    try:
        out = model(batch)
        (out[keys.TEXT_EMBEDS] * out[keys.IMAGE_EMBEDS]).sum().backward()
        grad = model.text.label_proj.weight.grad  # type: ignore[union-attr]
        assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0
    finally:
        model.zero_grad(set_to_none=True)
        model.eval()


def test_sentence_units_read_the_vectors_per_sentence() -> None:
    torch.manual_seed(0)
    model = create_model("cxr_tiny", text_unit="sentence", **OVERRIDES).eval()
    enc = model.tokenize([TEXTS[0]])
    assert enc[keys.LABEL_FEATURES].shape[:2] == (1, 2)
    both = model.encode_text([TEXTS[0]])
    each = model.encode_text(["No pneumothorax.", "Small left pleural effusion."])
    assert torch.allclose(both[0], torch.nn.functional.normalize(each.mean(0), dim=-1), atol=1e-5)


def test_label_projection_survives_export(model: VLPModel, tmp_path: Path) -> None:
    before = model.encode_text(TEXTS)
    save_pretrained(model, tmp_path / "export")
    loaded = load_pretrained(tmp_path / "export")
    assert loaded.text.label_set == "chexpert"
    assert torch.allclose(loaded.encode_text(TEXTS), before, atol=1e-5)


def _rewrite_card(directory: Path, **fields: object) -> None:
    card_path = directory / "card.json"
    card = json.loads(card_path.read_text())
    card.update(fields)
    card_path.write_text(json.dumps(card))


def test_the_card_records_the_slot_meaning_and_loading_checks_it(model: VLPModel, tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    save_pretrained(model, tmp_path / "now")
    assert json.loads((tmp_path / "now" / "card.json").read_text())["label_features_version"] == LABEL_FEATURES_VERSION
    with caplog.at_level(logging.WARNING):
        load_pretrained(tmp_path / "now")
    assert "label_features_version" not in caplog.text
    # a card from before versioning (No Finding read as CheXpert's derived column) loads, with a warning
    save_pretrained(model, tmp_path / "old")
    card = json.loads((tmp_path / "old" / "card.json").read_text())
    del card["label_features_version"]
    (tmp_path / "old" / "card.json").write_text(json.dumps(card))
    with caplog.at_level(logging.WARNING):
        load_pretrained(tmp_path / "old")
    assert "label_features_version 1" in caplog.text and "card.json" in caplog.text
    # slots of a newer medvlp mean something this code does not compute: refused, naming the card
    save_pretrained(model, tmp_path / "new")
    _rewrite_card(tmp_path / "new", label_features_version=LABEL_FEATURES_VERSION + 1)
    with pytest.raises(WeightsError, match="newer than this medvlp"):
        load_pretrained(tmp_path / "new")


def test_a_tower_without_the_vectors_records_no_version(tmp_path: Path) -> None:
    save_pretrained(create_model("cxr_tiny"), tmp_path)
    assert "label_features_version" not in json.loads((tmp_path / "card.json").read_text())
    load_pretrained(tmp_path)
