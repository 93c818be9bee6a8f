"""Knowledge-enhanced text: entity embeddings, fusion logits, zero-shot weights."""

from __future__ import annotations

import torch

from medvlp import keys
from medvlp.knowledge.findings import CHEXPERT
from medvlp.models import create_model
from medvlp.models.knowledge import KnowledgeModule
from medvlp.models.vlp import ENTITY_LOGITS

ENTITIES = {"Pleural Effusion": "fluid in the pleural space blunting the costophrenic angle",
            "Cardiomegaly": "enlarged cardiac silhouette", "Pneumothorax": "air in the pleural space"}


def batch_for(model, texts: list[str]) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    enc = model.tokenize(texts)
    return {keys.IMAGE: torch.rand(len(texts), 1, 64, 64), keys.INPUT_IDS: enc["input_ids"],
            keys.ATTENTION_MASK: enc["attention_mask"]}


def test_entities_from_plain_strings_and_fusion_logits() -> None:
    model = create_model("cxr_tiny", knowledge={"enabled": True, "entities": ENTITIES}).eval()
    out = model(batch_for(model, ["small left pleural effusion", ""]))
    entity = out[keys.ENTITY_EMBEDS]
    assert entity.shape == (3, model.config.embed_dim)
    torch.testing.assert_close(entity.norm(dim=-1), torch.ones(3))
    # Entity embeddings are the text tower's embeddings of the entity texts.
    torch.testing.assert_close(entity, model.encode_text(list(ENTITIES.values())), rtol=1e-4, atol=1e-5)
    assert out[ENTITY_LOGITS].shape == (2, 3) and torch.isfinite(out[ENTITY_LOGITS]).all()


def test_fusion_depends_on_report_and_trains() -> None:
    torch.manual_seed(0)
    model = create_model("cxr_tiny", knowledge={"enabled": True, "entities": ENTITIES})
    out = model(batch_for(model, ["small left pleural effusion", "enlarged cardiac silhouette"]))
    logits = out[ENTITY_LOGITS]
    assert not torch.allclose(logits[0], logits[1])
    logits.sum().backward()
    assert model.knowledge is not None and model.knowledge.cross_attention.in_proj_weight.grad is not None


def test_default_entities_are_the_label_set_and_zero_shot_works() -> None:
    model = create_model("cxr_tiny_kad").eval()
    assert model.knowledge is not None and model.knowledge.names == list(CHEXPERT.labels)
    images = model.encode_image(torch.rand(2, 1, 32, 32))
    entity = model.entity_embeddings()
    assert entity is not None
    logits = KnowledgeModule.zero_shot_logits(images, entity, model.scale())
    assert logits.shape == (2, len(CHEXPERT))


def test_knowledge_off_gives_no_entity_outputs() -> None:
    model = create_model("cxr_tiny")
    out = model(batch_for(model, ["no effusion", "clear lungs"]))
    assert keys.ENTITY_EMBEDS not in out and model.entity_embeddings() is None


def test_finding_pair_embeddings_are_the_text_towers_variant_means() -> None:
    import torch.nn.functional as F

    from medvlp.knowledge.pair_texts import finding_pair_texts

    model = create_model("cxr_tiny", finding_pairs={"enabled": True, "max_synonyms": 1}).eval()
    out = model(batch_for(model, ["no pneumothorax", ""]))
    pairs, index = out[keys.FINDING_PAIR_EMBEDS], out[keys.FINDING_PAIR_INDEX]
    texts = finding_pair_texts(list(CHEXPERT.labels), max_synonyms=1)
    assert pairs.shape == (len(texts.names), 2, model.config.embed_dim)
    assert [CHEXPERT.labels[i] for i in index.tolist()] == list(texts.names)
    k = texts.names.index("Pneumothorax")
    negated = F.normalize(model.encode_text(list(texts.negated[k])).mean(0), dim=-1)
    torch.testing.assert_close(pairs[k, 1], negated, rtol=1e-4, atol=1e-5)
    # gradients reach the text tower through the pair embeddings
    pairs.sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.text.parameters())
