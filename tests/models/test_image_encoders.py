"""Every registered encoder family builds at tiny size and honours the shared interface."""

from __future__ import annotations

import pytest
import torch

from medvlp.models import ENCODERS, create_encoder
from medvlp.models.image_base import ImageEncoder

TINY_2D = ["test_resnet", "test_vit", "test_convnext"]
TINY_3D = {
    "resnet3d_tiny": {},
    "vit3d_tiny": {},
    "swin3d_tiny": {},
    "slicepool": {"slice_encoder": "test_resnet", "chunk_size": 4},
}
REQUIRED = ["resnet50", "densenet121", "convnext_tiny", "vit_base_patch16_224", "swin_tiny_patch4_window7_224",
            "resnet18_3d", "resnet50_3d", "vit3d", "swin3d", "slicepool", "timm"]


def check_output(encoder: ImageEncoder, images: torch.Tensor) -> None:
    out = encoder(images)
    assert out.pooled.shape == (images.shape[0], encoder.embed_dim)
    assert out.tokens is not None and out.tokens.shape[0] == images.shape[0]
    assert out.tokens.shape[2] == encoder.embed_dim
    pyramid = encoder.forward_pyramid(images)
    assert len(pyramid) == 4
    assert [p.shape[1] for p in pyramid] == list(encoder.pyramid_dims)
    expected_ndim = 2 + encoder.spatial_dims
    assert all(p.shape[0] == images.shape[0] and p.ndim == expected_ndim for p in pyramid)
    assert torch.isfinite(out.pooled).all()


def test_required_names_are_registered() -> None:
    assert set(REQUIRED) <= set(ENCODERS.list())


@pytest.mark.parametrize("name", TINY_2D)
def test_2d_encoders_shapes(name: str) -> None:
    check_output(create_encoder(name).eval(), torch.rand(2, 1, 64, 64))


@pytest.mark.parametrize("name", sorted(TINY_3D))
def test_3d_encoders_shapes_and_one_slice_volumes(name: str) -> None:
    encoder = create_encoder(name, **TINY_3D[name]).eval()
    check_output(encoder, torch.rand(2, 1, 32, 32, 8))
    # A 2D image through a 3D-capable model is a one-slice volume.
    assert encoder(torch.rand(2, 1, 32, 32)).pooled.shape == (2, encoder.embed_dim)


def test_encoder_applies_its_own_normalisation() -> None:
    plain = create_encoder("test_resnet", mean=0.0, std=1.0).eval()
    shifted = create_encoder("test_resnet", mean=0.4, std=0.2).eval()
    shifted.load_state_dict(plain.state_dict())
    images = torch.rand(2, 1, 32, 32)
    expected = plain((images - 0.4) / 0.2).pooled
    torch.testing.assert_close(shifted(images).pooled, expected)
    assert shifted.normalization == {"mean": [pytest.approx(0.4)], "std": [pytest.approx(0.2)]}


def test_wrong_rank_is_rejected() -> None:
    with pytest.raises(ValueError, match="expects"):
        create_encoder("test_resnet")(torch.rand(2, 1, 8, 8, 8))


@pytest.mark.parametrize("name", ["test_vit", "resnet3d_tiny", "vit3d_tiny"])
def test_grad_checkpointing_gives_same_gradients(name: str) -> None:
    torch.manual_seed(0)
    encoder = create_encoder(name).eval()  # eval: BatchNorm/dropout identical across the two passes
    images = torch.rand(2, 1, 32, 32) if name == "test_vit" else torch.rand(2, 1, 32, 32, 16)

    def grads(checkpointing: bool) -> list[torch.Tensor]:
        encoder.zero_grad()
        encoder.set_grad_checkpointing(checkpointing)
        encoder(images).pooled.square().sum().backward()
        return [p.grad.clone() for p in encoder.parameters() if p.grad is not None]

    plain, checkpointed = grads(False), grads(True)
    assert len(plain) == len(checkpointed) > 0
    for a, b in zip(plain, checkpointed):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_freeze_stops_gradients_and_keeps_eval_mode() -> None:
    encoder = create_encoder("test_resnet")
    encoder.freeze()
    encoder.train()
    assert not encoder.training and not any(m.training for m in encoder.modules())
    assert not any(p.requires_grad for p in encoder.parameters())
    norm = next(m for m in encoder.modules() if isinstance(m, torch.nn.BatchNorm2d))
    before = norm.running_mean.clone()
    encoder(torch.rand(2, 1, 32, 32) * 10)
    torch.testing.assert_close(norm.running_mean, before)


def test_native_3d_crops_trailing_padding() -> None:
    encoder = create_encoder("resnet3d_tiny").eval()
    volume = torch.rand(1, 1, 32, 32, 8)
    padded = torch.cat([volume, torch.rand(1, 1, 32, 32, 4)], dim=-1)
    mask = torch.tensor([[True] * 8 + [False] * 4])
    torch.testing.assert_close(encoder(padded, slice_mask=mask).pooled, encoder(volume).pooled)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "densenet121", "convnext_tiny", "vit_base_patch16_224",
                                  "swin_tiny_patch4_window7_224"])
def test_full_size_2d_backbones(name: str) -> None:
    check_output(create_encoder(name).eval(), torch.rand(1, 1, 224, 224))


def test_vit3d_fused_attention_matches_explicit_attention() -> None:
    fused = create_encoder("vit3d_tiny", fused_attention=True).eval()
    explicit = create_encoder("vit3d_tiny", fused_attention=False).eval()
    explicit.load_state_dict(fused.state_dict())
    assert all(block.attn.use_flash_attention for block in fused.net.blocks)
    volume = torch.rand(2, 1, 32, 32, 16)
    torch.testing.assert_close(fused(volume).pooled, explicit(volume).pooled, rtol=1e-4, atol=1e-5)


def test_any_timm_backbone_by_name() -> None:
    encoder = create_encoder("timm", model_name="test_efficientnet").eval()
    assert encoder(torch.rand(2, 1, 64, 64)).pooled.shape == (2, encoder.embed_dim)


def test_first_conv_stride_is_configurable() -> None:
    keep_z = create_encoder("resnet3d_tiny", conv1_stride=(2, 2, 1), no_max_pool=True)
    halve_z = create_encoder("resnet3d_tiny", conv1_stride=2, no_max_pool=True)
    volume = torch.rand(1, 1, 32, 32, 16)
    assert keep_z.forward_pyramid(volume)[0].shape[-1] == 16
    assert halve_z.forward_pyramid(volume)[0].shape[-1] == 8


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in ENCODERS.list() if n != "timm"])
def test_every_registered_encoder_builds_and_runs(name: str) -> None:
    encoder = create_encoder(name).eval()
    images = torch.rand(1, 1, 224, 224) if encoder.spatial_dims == 2 else torch.rand(1, 1, 32, 32, 8)
    with torch.no_grad():
        out = encoder(images)
    assert out.pooled.shape == (1, encoder.embed_dim) and torch.isfinite(out.pooled).all()
