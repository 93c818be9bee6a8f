"""The VLP model zoo: configs, output contract, temperature, autocast, encode helpers."""

from __future__ import annotations

import math

import pytest
import torch

from medvlp import keys
from medvlp.errors import ConfigError, UnknownNameError
from medvlp.models import create_model, list_models, model_config
from medvlp.models.vlp import IMAGE_TOKEN_MASK

REQUIRED = ["cxr_tiny", "cxr_resnet50_bert", "cxr_vit_b16_bert", "ct_slicepool_tiny", "ct_slicepool_resnet50",
            "ct_resnet3d_tiny", "ct_resnet18_3d", "ct_vit3d"]


def make_batch(model, ct: bool, texts: tuple[str, ...] = ("small left pleural effusion", "")) -> dict:  # type: ignore[no-untyped-def]
    enc = model.tokenize(list(texts))
    batch = {keys.INPUT_IDS: enc["input_ids"], keys.ATTENTION_MASK: enc["attention_mask"]}
    if ct:
        mask = torch.ones(len(texts), 6, dtype=torch.bool)
        mask[1, 4:] = False
        batch.update({keys.IMAGE: torch.rand(len(texts), 1, 32, 32, 6), keys.IMAGE_MASK: mask,
                      keys.SLICE_POSITIONS: torch.arange(6.0).expand(len(texts), -1) * 3.0})
    else:
        batch[keys.IMAGE] = torch.rand(len(texts), 1, 64, 64)
    return batch


def test_every_shipped_config_validates() -> None:
    assert set(REQUIRED) <= set(list_models())
    for name in list_models():
        config = model_config(name)
        assert config.name == name and config.embed_dim > 0


@pytest.mark.parametrize("name", ["cxr_tiny", "ct_slicepool_tiny", "ct_resnet3d_tiny"])
def test_output_contract(name: str) -> None:
    model = create_model(name)
    ct = name.startswith("ct")
    out = model(make_batch(model, ct))
    d = model.config.embed_dim
    assert out[keys.IMAGE_EMBEDS].shape == (2, d) and out[keys.TEXT_EMBEDS].shape == (2, d)
    torch.testing.assert_close(out[keys.IMAGE_EMBEDS].norm(dim=-1), torch.ones(2))
    torch.testing.assert_close(out[keys.TEXT_EMBEDS].norm(dim=-1), torch.ones(2))
    assert out[keys.IMAGE_TOKENS].shape[::2] == (2, d)
    assert out[keys.TEXT_TOKENS].shape[::2] == (2, d)
    assert out[keys.TEXT_TOKEN_MASK].shape == out[keys.TEXT_TOKENS].shape[:2]
    assert out[keys.LOGIT_SCALE].ndim == 0
    assert all(torch.isfinite(v.float()).all() for v in out.values())  # empty report included
    if name == "ct_slicepool_tiny":
        assert out[keys.SLICE_ATTENTION].shape == (2, 6)
        assert not out[IMAGE_TOKEN_MASK][1, 4:].any()
    loss = out[keys.IMAGE_EMBEDS].sum() + out[keys.TEXT_EMBEDS].sum() + out[keys.LOGIT_SCALE]
    loss.backward()
    assert model.logit_scale.grad is not None and model.text_proj.weight.grad is not None


@pytest.mark.parametrize("name", ["cxr_tiny", "ct_slicepool_tiny"])
def test_image_outputs_are_forwards_image_part_without_running_the_text_tower(name: str) -> None:
    torch.manual_seed(0)
    model = create_model(name).eval()
    batch = make_batch(model, ct=name.startswith("ct"))
    calls: list[int] = []
    handle = model.text.register_forward_hook(lambda *_: calls.append(1))
    with torch.no_grad():
        image_only = model.image_outputs(batch)
        assert not calls
        full = model(batch)
    handle.remove()
    assert calls and keys.TEXT_EMBEDS not in image_only
    assert set(image_only) == {k for k in full if not k.startswith("text") and k not in (
        keys.TEXT_EMBEDS, keys.TEXT_TOKENS, keys.TEXT_TOKEN_MASK, keys.FINDING_PAIR_EMBEDS, keys.FINDING_PAIR_INDEX)}
    for key, value in image_only.items():
        torch.testing.assert_close(value, full[key])
    image_side = {id(p) for p in model.image_parameters()}
    assert image_side == {id(p) for p in [*model.visual.parameters(), *model.image_proj.parameters()]}
    assert not image_side & {id(p) for p in [*model.text.parameters(), model.logit_scale]}


def test_logit_scale_starts_at_temperature_and_is_clamped() -> None:
    model = create_model("cxr_tiny", init_temperature=0.05)
    assert model.scale().item() == pytest.approx(20.0)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1000.0))
    assert model.scale().item() == pytest.approx(100.0)


def test_siglip_bias_option() -> None:
    model = create_model("cxr_tiny", siglip_bias=-10.0)
    out = model(make_batch(model, ct=False))
    assert out[keys.LOGIT_BIAS].item() == pytest.approx(-10.0)
    assert keys.LOGIT_BIAS not in create_model("cxr_tiny")(make_batch(model, ct=False))


def test_encode_helpers_use_the_model_tokenizer() -> None:
    model = create_model("cxr_tiny").eval()
    text = model.encode_text(["no effusion", "small effusion", ""])
    assert text.shape == (3, model.config.embed_dim) and torch.isfinite(text).all()
    batch = make_batch(model, ct=False, texts=("no effusion", "small effusion"))
    out = model(batch)
    torch.testing.assert_close(text[:2], out[keys.TEXT_EMBEDS], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(model.encode_image(batch[keys.IMAGE]), out[keys.IMAGE_EMBEDS])


def test_overrides_nested_and_dotted() -> None:
    model = create_model("ct_slicepool_tiny", embed_dim=32, **{"vision.params.pooler": "mean"})
    assert model.config.embed_dim == 32 and model.config.vision.params["pooler"] == "mean"
    assert type(model.visual.pooler).__name__ == "MeanPooler"


def test_bad_names_and_keys_are_typed_errors() -> None:
    with pytest.raises(UnknownNameError, match="cxr_tiny"):
        create_model("cxr_tinny")
    with pytest.raises(ConfigError, match="embed_dimm"):
        create_model("cxr_tiny", embed_dimm=3)
    with pytest.raises(UnknownNameError):
        create_model("cxr_tiny", **{"vision.encoder": "no_such_encoder"})


def test_bf16_autocast_forward_is_finite() -> None:
    model = create_model("ct_slicepool_tiny").eval()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(make_batch(model, ct=True))
    assert all(torch.isfinite(v.float()).all() for v in out.values())


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in REQUIRED + ["ct_swin3d"] if "tiny" not in n])
def test_full_size_configs_build_and_run(name: str) -> None:
    model = create_model(name).eval()
    size = model.config.vision.image_size
    assert size is not None
    ct = name.startswith("ct")
    enc = model.tokenize(["small left pleural effusion"])
    image = torch.rand(1, 1, size[0], size[1], 4) if ct else torch.rand(1, 1, *size)
    with torch.no_grad():
        out = model({keys.IMAGE: image, keys.INPUT_IDS: enc["input_ids"], keys.ATTENTION_MASK: enc["attention_mask"]})
    assert out[keys.IMAGE_EMBEDS].shape == (1, model.config.embed_dim)


def test_ct_window_from_config() -> None:
    model = create_model("ct_slicepool_tiny", **{"vision.hu_window": [-1000.0, 400.0]})
    hu = torch.tensor([-2000.0, -1000.0, -300.0, 400.0, 3000.0])
    torch.testing.assert_close(model.window_ct(hu), torch.tensor([0.0, 0.0, 0.5, 1.0, 1.0]))
    with pytest.raises(ConfigError, match="hu_window"):
        create_model("cxr_tiny").window_ct(hu)
