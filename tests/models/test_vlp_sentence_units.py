"""``text_unit: sentence``: a text is the normalised mean of its normalised sentence embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.models import create_model
from medvlp.models.card import load_pretrained, save_pretrained
from medvlp.models.vlp import VLPModel

REPORT = "No pneumothorax. Small left pleural effusion. Heart size is normal."


@pytest.fixture(scope="module")
def model() -> VLPModel:
    torch.manual_seed(0)
    return create_model("cxr_tiny", text_unit="sentence").eval()


def test_text_embedding_is_the_mean_of_its_sentences(model: VLPModel) -> None:
    sentences = ["No pneumothorax.", "Small left pleural effusion.", "Heart size is normal."]
    each = model.encode_text(sentences)  # one-sentence texts: their own sentence embedding
    with torch.no_grad():
        alone = F.normalize(model.text_proj(model.text(**_ids(model, sentences)).pooled), dim=-1)
    assert torch.allclose(each, alone, atol=1e-6)
    expected = F.normalize(each.mean(0), dim=-1)
    assert torch.allclose(model.encode_text([REPORT])[0], expected, atol=1e-5)


def _ids(model: VLPModel, texts: list[str]) -> dict[str, torch.Tensor]:
    enc = model.text.tokenize(texts)
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def test_sentence_order_and_padding_do_not_change_the_embedding(model: VLPModel) -> None:
    shuffled = "Heart size is normal. No pneumothorax. Small left pleural effusion."
    batch = model.encode_text([REPORT, shuffled, "Edema."])  # the one-sentence text pads the others' S
    assert torch.allclose(batch[0], batch[1], atol=1e-5)
    assert torch.allclose(batch[0], model.encode_text([REPORT])[0], atol=1e-5)


def test_empty_text_is_finite_and_report_unit_differs(model: VLPModel) -> None:
    assert torch.isfinite(model.encode_text(["", REPORT])).all()
    torch.manual_seed(0)
    whole = create_model("cxr_tiny").eval()
    assert whole.config.text_unit == "report" and whole.tokenize([REPORT])["input_ids"].ndim == 2
    assert model.tokenize([REPORT])["input_ids"].shape[:2] == (1, 3)


def test_training_forward_takes_sentence_rows_and_gradients_flow(model: VLPModel) -> None:
    enc = model.tokenize([REPORT, "Edema. No effusion."])
    batch = {keys.IMAGE: torch.rand(2, 1, 64, 64), keys.INPUT_IDS: enc["input_ids"],
             keys.ATTENTION_MASK: enc["attention_mask"]}
    model.train()
    try:
        out = model(batch)
        assert out[keys.TEXT_EMBEDS].shape == (2, model.config.embed_dim)
        assert out[keys.TEXT_TOKENS].shape[:2] == out[keys.TEXT_TOKEN_MASK].shape
        (out[keys.TEXT_EMBEDS] * out[keys.IMAGE_EMBEDS]).sum().backward()
        assert model.text_proj.weight.grad is not None and torch.isfinite(model.text_proj.weight.grad).all()
    finally:
        model.zero_grad(set_to_none=True)
        model.eval()


def test_text_unit_survives_export(model: VLPModel, tmp_path: Path) -> None:
    before = model.encode_text([REPORT, "a chest radiograph showing edema"])
    save_pretrained(model, tmp_path / "export")
    loaded = load_pretrained(tmp_path / "export")
    assert loaded.config.text_unit == "sentence"
    assert torch.allclose(loaded.encode_text([REPORT, "a chest radiograph showing edema"]), before, atol=1e-5)
