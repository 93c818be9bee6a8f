"""Weights: medvlp safetensors+card, timm, MONAI, open_clip round trips; strictness; unsafe pickles."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
import timm
import torch
from monai.networks.nets.resnet import ResNet
from safetensors.torch import save_file

from medvlp import keys
from medvlp.models import create_encoder, create_model, load_pretrained, save_pretrained
from medvlp.models.errors import UnsafeCheckpointError, WeightsError, WeightsMismatchError
from medvlp.models.open_clip_weights import load_open_clip_weights
from medvlp.models.weights import load_weights, read_state_dict
from medvlp.utils.files import sha256_file


def batch_for(model, ct: bool) -> dict:  # type: ignore[no-untyped-def]
    enc = model.tokenize(["small left pleural effusion", "no acute process"])
    image = torch.rand(2, 1, 32, 32, 5) if ct else torch.rand(2, 1, 64, 64)
    return {keys.IMAGE: image, keys.INPUT_IDS: enc["input_ids"], keys.ATTENTION_MASK: enc["attention_mask"],
            keys.SLICE_POSITIONS: torch.arange(5.0).expand(2, -1) * 2.0}


@pytest.mark.parametrize("name", ["cxr_tiny_kad", "ct_slicepool_tiny"])
def test_medvlp_checkpoint_round_trip(tmp_path: Path, name: str) -> None:
    model = create_model(name).eval()
    card_path = save_pretrained(model, tmp_path, card_extra={"trained_on": "synthetic"})
    reloaded = load_pretrained(tmp_path)
    batch = batch_for(model, ct=name.startswith("ct"))
    before, after = model(batch), reloaded(batch)
    assert before.keys() == after.keys()
    for key in before:
        torch.testing.assert_close(after[key], before[key], rtol=0, atol=0)
    card = json.loads(card_path.read_text())
    assert card["sha256"] == sha256_file(tmp_path / "model.safetensors")
    assert card["architecture"] == name and card["extra"] == {"trained_on": "synthetic"}
    assert card["preprocessing"]["mean"] == [0.5] and card["preprocessing"]["std"] == [0.25]
    assert (tmp_path / "tokenizer").is_dir() and card["label_names"]
    assert reloaded.tokenizer("pleural effusion")["input_ids"] == model.tokenizer("pleural effusion")["input_ids"]


def test_corrupted_checkpoint_fails_checksum(tmp_path: Path) -> None:
    save_pretrained(create_model("cxr_tiny"), tmp_path)
    weights = tmp_path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="sha256"):
        load_pretrained(tmp_path)


def test_strict_loading_reports_and_fails_below_threshold() -> None:
    encoder = create_encoder("resnet3d_tiny")
    state = encoder.state_dict()
    partial = {k: v for i, (k, v) in enumerate(state.items()) if i % 4}
    with pytest.raises(WeightsMismatchError, match=r"loaded \d+/\d+ \(\d+\.\d%\)") as info:
        load_weights(encoder, partial, source="partial.pth")
    assert info.value.path == "partial.pth" and info.value.code == "weights_mismatch"
    report = load_weights(encoder, partial, min_loaded=0.5)
    assert report.loaded == len([k for k in partial if not k.endswith("num_batches_tracked")])
    assert report.missing and 0.5 < report.fraction_loaded < 1.0
    with pytest.raises(WeightsMismatchError, match="unexpected 1"):
        load_weights(encoder, {**state, "extra.weight": torch.zeros(1)})
    shape_broken = {**state, "net.conv1.weight": torch.zeros(1)}
    with pytest.raises(WeightsMismatchError, match="shape mismatch 1"):
        load_weights(encoder, shape_broken)


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_timm_checkpoint_with_first_conv_adaptation(tmp_path: Path, suffix: str) -> None:
    torch.manual_seed(0)
    rgb = timm.create_model("test_resnet", pretrained=False, num_classes=5).eval()
    path = tmp_path / f"test_resnet{suffix}"
    if suffix == ".pth":
        torch.save({"state_dict": rgb.state_dict()}, path)
    else:
        save_file(rgb.state_dict(), str(path))
    encoder = create_encoder("test_resnet", weights=path, mean=0.0, std=1.0).eval()
    gray = torch.rand(2, 1, 64, 64)
    expected = rgb.forward_head(rgb.forward_features(gray.expand(-1, 3, -1, -1)), pre_logits=True)
    torch.testing.assert_close(encoder(gray).pooled, expected, rtol=1e-4, atol=1e-5)


def test_checkpoint_does_not_depend_on_the_original_pretrained_file(tmp_path: Path) -> None:
    timm_file = tmp_path / "backbone.safetensors"
    save_file(timm.create_model("test_resnet", pretrained=False, num_classes=0).state_dict(), str(timm_file))
    model = create_model("cxr_tiny", vision={"params": {"weights": str(timm_file)}}).eval()
    save_pretrained(model, tmp_path / "ckpt")
    timm_file.unlink()
    reloaded = load_pretrained(tmp_path / "ckpt")
    images = torch.rand(2, 1, 64, 64)
    torch.testing.assert_close(reloaded.encode_image(images), model.encode_image(images))


def test_timm_checkpoint_of_another_architecture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "convnext.pth"
    torch.save(timm.create_model("test_convnext", pretrained=False).state_dict(), path)
    with pytest.raises(WeightsMismatchError):
        create_encoder("test_resnet", weights=path)


def test_monai_checkpoint_with_dataparallel_prefix(tmp_path: Path) -> None:
    net = ResNet("basic", [1, 1, 1, 1], [8, 16, 32, 64], spatial_dims=3, n_input_channels=1,
                 conv1_t_stride=2, feed_forward=False).eval()
    path = tmp_path / "medicalnet.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in net.state_dict().items()}}, path)
    encoder = create_encoder("resnet3d_tiny", weights=path, mean=0.0, std=1.0).eval()
    volume = torch.rand(1, 1, 32, 32, 16)
    torch.testing.assert_close(encoder(volume).pooled, net(volume), rtol=1e-4, atol=1e-5)


def test_open_clip_checkpoint_timm_trunk_and_hf_text(tmp_path: Path, hf_dir: Path) -> None:
    open_clip = pytest.importorskip("open_clip")
    torch.manual_seed(0)
    reference = open_clip.CustomTextCLIP(
        embed_dim=16,
        vision_cfg={"timm_model_name": "test_resnet", "timm_model_pretrained": False, "timm_pool": "avg",
                    "timm_proj": "linear", "image_size": 64},
        text_cfg={"hf_model_name": str(hf_dir), "hf_tokenizer_name": str(hf_dir), "hf_proj_type": "linear",
                  "hf_pooler_type": "cls_last_hidden_state_pooler", "hf_model_pretrained": True},
    ).eval()
    path = tmp_path / "open_clip_model.bin"
    torch.save(reference.state_dict(), path)
    model = create_model("cxr_tiny", embed_dim=16, text={"encoder": "hf", "params": {"path": str(hf_dir)}},
                         vision={"params": {"mean": 0.0, "std": 1.0}}).eval()
    report = load_open_clip_weights(model, path)
    assert report.fraction_loaded == 1.0 and not report.unexpected
    gray = torch.rand(2, 1, 64, 64)
    expected_image = reference.encode_image(gray.expand(-1, 3, -1, -1), normalize=True)
    torch.testing.assert_close(model.encode_image(gray), expected_image, rtol=1e-4, atol=1e-5)
    ids = model.tokenize(["small left pleural effusion", "no effusion"])["input_ids"]
    expected_text = reference.encode_text(ids, normalize=True)
    torch.testing.assert_close(model.encode_text(["small left pleural effusion", "no effusion"]), expected_text,
                               rtol=1e-4, atol=1e-5)


class _Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("writer", ["torch_save", "raw_pickle"])
def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path, writer: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    payload = {"state_dict": {"conv.weight": torch.zeros(1)}, "hook": _Payload(marker)}
    if writer == "torch_save":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload))
    assert not marker.exists()
    with pytest.raises(UnsafeCheckpointError, match="refused") as info:
        read_state_dict(path)
    assert info.value.path == str(path)
    with pytest.raises(UnsafeCheckpointError):
        create_encoder("test_resnet", weights=path)
    assert not marker.exists()


def test_missing_and_garbage_files_are_typed_errors(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="not found"):
        read_state_dict(tmp_path / "nope.pth")
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a tensor file")
    with pytest.raises(WeightsError, match="safetensors"):
        read_state_dict(garbage)
    with pytest.raises(WeightsError, match="card.json"):
        load_pretrained(tmp_path)


def test_a_tower_that_drops_unseen_tokens_reloads_with_its_seen_set(tmp_path: Path) -> None:
    model = create_model("cxr_tiny", **{"text.params.drop_unseen_tokens": True})
    model.text.train()
    model.text(**model.text.tokenize(["small left pleural effusion"]))  # a training forward marks them
    model.eval()
    save_pretrained(model, tmp_path)
    reloaded = load_pretrained(tmp_path)
    assert reloaded.text.seen_tokens is not None
    torch.testing.assert_close(reloaded.text.seen_tokens, model.text.seen_tokens)
    texts = ["small nodule effusion", "left pleural effusion is seen"]
    with torch.no_grad():
        torch.testing.assert_close(reloaded.encode_text(texts), model.encode_text(texts), rtol=0, atol=0)
        torch.testing.assert_close(model.encode_text(["small nodule effusion"]), model.encode_text(["small effusion"]))
