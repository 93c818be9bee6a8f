"""``image_norm: batch``: pooled image features standardised over the batch before the projection."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from medvlp.errors import ConfigError
from medvlp.models import create_model
from medvlp.models.card import load_pretrained, save_pretrained
from medvlp.models.vlp import PooledBatchNorm


def test_training_batch_is_standardised_per_channel() -> None:
    torch.manual_seed(0)
    norm = PooledBatchNorm(8).train()
    pooled = 50.0 + 0.1 * torch.randn(16, 8)  # nearly identical rows, as a fresh CT tower's slice means
    out = norm(pooled)
    assert torch.allclose(out.mean(0), torch.zeros(8), atol=1e-3)
    assert torch.allclose(out.var(0, unbiased=False), torch.ones(8), atol=1e-2)
    # the raw rows are almost collinear; after standardising they are not
    raw_cos = torch.nn.functional.cosine_similarity(pooled[0], pooled[1], dim=0)
    new_cos = torch.nn.functional.cosine_similarity(out[0], out[1], dim=0)
    assert raw_cos > 0.999 and abs(new_cos) < 0.9


def test_batch_of_one_uses_running_statistics() -> None:
    norm = PooledBatchNorm(4).train()
    norm(torch.randn(32, 4) * 3.0 + 1.0)  # fills the running statistics
    one = torch.randn(1, 4)
    out = norm(one)
    expected = (one - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps)
    assert torch.allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("name", ["cxr_tiny", "ct_slicepool_tiny"])
def test_model_option_trains_and_survives_export(name: str, tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = create_model(name, image_norm="batch")
    assert model.image_norm is not None and create_model(name).image_norm is None
    images = torch.rand(4, 1, 64, 64) if name == "cxr_tiny" else torch.rand(4, 1, 32, 32, 6)
    model.train()
    embeds, _ = model.image_forward(images)
    embeds.sum().backward()  # gradients pass through the normalisation
    assert model.image_proj.weight.grad is not None and torch.isfinite(embeds).all()
    model.eval()
    before = model.encode_image(images)
    save_pretrained(model, tmp_path / "export")
    loaded = load_pretrained(tmp_path / "export")
    assert loaded.config.image_norm == "batch"
    assert torch.allclose(loaded.encode_image(images), before, atol=1e-5)  # running statistics are saved


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises((ConfigError, ValueError)):
        create_model("cxr_tiny", image_norm="layer")
