"""Slice pooling: padding invariance, mm position codes, chunking, checkpointing, frozen cache."""

from __future__ import annotations

import pytest
import torch

from medvlp.models import POOLERS, create_encoder
from medvlp.models.position import center_positions, sinusoidal_mm
from medvlp.models.slicepool import SlicePoolEncoder


def make(pooler: str = "transformer", **kwargs: object) -> SlicePoolEncoder:
    torch.manual_seed(0)
    encoder = create_encoder("slicepool", slice_encoder="test_resnet", pooler=pooler, chunk_size=3, **kwargs)
    assert isinstance(encoder, SlicePoolEncoder)
    return encoder.eval()


@pytest.mark.parametrize("pooler", POOLERS.list())
def test_padded_slices_do_not_change_output(pooler: str) -> None:
    encoder = make(pooler)
    volume = torch.rand(1, 1, 32, 32, 6)
    positions = torch.arange(6.0).unsqueeze(0) * 2.5
    padded = torch.cat([volume, torch.rand(1, 1, 32, 32, 3) * 5], dim=-1)  # garbage in the padding
    mask = torch.tensor([[True] * 6 + [False] * 3])
    padded_positions = torch.cat([positions, torch.tensor([[99.0, -7.0, 3.0]])], dim=1)
    short = encoder(volume, slice_positions=positions)
    long = encoder(padded, slice_mask=mask, slice_positions=padded_positions)
    torch.testing.assert_close(long.pooled, short.pooled, rtol=1e-4, atol=1e-5)
    assert long.slice_attention is not None and short.slice_attention is not None
    assert long.slice_attention.shape == (1, 9)
    assert torch.all(long.slice_attention[0, 6:] == 0)
    torch.testing.assert_close(long.slice_attention[:, :6], short.slice_attention, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(long.slice_attention.sum(1), torch.ones(1))


def test_batch_with_different_slice_counts_matches_single_volumes() -> None:
    encoder = make()
    a, b = torch.rand(1, 1, 32, 32, 5), torch.rand(1, 1, 32, 32, 3)
    batch = torch.cat([a, torch.cat([b, torch.zeros(1, 1, 32, 32, 2)], dim=-1)])
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])
    out = encoder(batch, slice_mask=mask).pooled
    torch.testing.assert_close(out[0], encoder(a).pooled[0], rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(out[1], encoder(b).pooled[0], rtol=1e-4, atol=1e-5)


def test_position_code_is_a_function_of_millimetres() -> None:
    coarse = torch.tensor([[0.0, 5.0, 10.0]])  # 5 mm slices
    fine = torch.tensor([[0.0, 2.5, 5.0, 7.5, 10.0]])  # 2.5 mm slices, same extent
    code_coarse = sinusoidal_mm(center_positions(coarse, torch.ones_like(coarse, dtype=torch.bool)), 16)
    code_fine = sinusoidal_mm(center_positions(fine, torch.ones_like(fine, dtype=torch.bool)), 16)
    torch.testing.assert_close(code_coarse, code_fine[:, ::2])
    assert not torch.allclose(code_fine[:, 0], code_fine[:, 1])


def test_encoder_uses_positions_in_mm_but_not_table_offset() -> None:
    encoder = make()
    volume = torch.rand(1, 1, 32, 32, 4)
    at_1mm = encoder(volume, slice_positions=torch.tensor([[0.0, 1.0, 2.0, 3.0]])).pooled
    shifted = encoder(volume, slice_positions=torch.tensor([[500.0, 501.0, 502.0, 503.0]])).pooled
    at_5mm = encoder(volume, slice_positions=torch.tensor([[0.0, 5.0, 10.0, 15.0]])).pooled
    torch.testing.assert_close(shifted, at_1mm, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(at_5mm, at_1mm, atol=1e-4)


def test_chunk_size_does_not_change_output() -> None:
    encoder = make()
    volume = torch.rand(2, 1, 32, 32, 7)
    reference = encoder(volume).pooled
    encoder.chunk_size = 100
    torch.testing.assert_close(encoder(volume).pooled, reference, rtol=1e-4, atol=1e-5)


def test_gradient_checkpointing_gives_same_gradients() -> None:
    encoder = make()
    volume = torch.rand(1, 1, 32, 32, 7)

    def grads(enable: bool) -> list[torch.Tensor]:
        encoder.zero_grad()
        encoder.set_grad_checkpointing(enable)
        encoder(volume).pooled.square().sum().backward()
        return [p.grad.clone() for p in encoder.slice_encoder.parameters()]

    plain, checkpointed = grads(False), grads(True)
    assert any(g.abs().sum() > 0 for g in plain)
    for a, b in zip(plain, checkpointed):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


def test_frozen_cached_equals_uncached_and_hits_cache() -> None:
    encoder = make()
    encoder.freeze_slice_encoder()
    volumes = torch.rand(2, 1, 32, 32, 5)
    ids = ["ct-000001", "ct-000002"]
    uncached = encoder(volumes).pooled
    first = encoder(volumes, volume_ids=ids).pooled
    assert encoder.cache.misses == 2 and len(encoder.cache) == 2
    # Second pass: embeddings come from the cache, even with the pixels gone.
    second = encoder(torch.zeros_like(volumes), volume_ids=ids).pooled
    assert encoder.cache.hits == 2
    torch.testing.assert_close(first, uncached)
    torch.testing.assert_close(second, uncached)
    # The pooler still trains while the slice encoder is frozen.
    second.sum().backward()
    assert any(p.grad is not None for p in encoder.pooler.parameters())
    assert all(p.grad is None for p in encoder.slice_encoder.parameters())


def test_cache_is_bounded_and_unused_while_trainable() -> None:
    encoder = make(cache_size=1)
    encoder(torch.rand(1, 1, 32, 32, 3), volume_ids=["a"])
    assert len(encoder.cache) == 0  # trainable encoder: caching would serve stale embeddings
    encoder.freeze_slice_encoder()
    encoder(torch.rand(1, 1, 32, 32, 3), volume_ids=["a"])
    encoder(torch.rand(1, 1, 32, 32, 3), volume_ids=["b"])
    assert len(encoder.cache) == 1


def test_three_slice_slabs_and_pyramid() -> None:
    encoder = make(slab=3)
    volume = torch.rand(1, 1, 32, 32, 4)
    assert encoder(volume).pooled.shape == (1, encoder.embed_dim)
    pyramid = encoder.forward_pyramid(volume)
    assert [p.shape[-1] for p in pyramid] == [4] * 4
    with pytest.raises(ValueError, match="odd"):
        make(slab=2)


def test_the_mean_pooler_adds_no_position_codes() -> None:
    """An order-blind mean would only get a content-free offset that depends on which slices were sampled."""
    encoder = create_encoder("slicepool", slice_encoder="test_resnet", pooler="mean", dim=16).eval()
    assert encoder.position is None and not any("position" in k for k in encoder.state_dict())
    volume = torch.rand(1, 1, 32, 32, 4)
    with torch.no_grad():
        at_1mm = encoder(volume, slice_positions=torch.tensor([[0.0, 1.0, 2.0, 3.0]])).pooled
        at_7mm = encoder(volume, slice_positions=torch.tensor([[0.0, 7.0, 14.0, 21.0]])).pooled
        reversed_order = encoder(volume.flip(-1)).pooled
    torch.testing.assert_close(at_7mm, at_1mm)
    torch.testing.assert_close(reversed_order, at_1mm, rtol=1e-5, atol=1e-6)


def test_strided_slabs_cover_every_slice_at_a_third_of_the_encodings() -> None:
    encoder = make(pooler="mean", slab=3, slice_stride=3)
    volume = torch.rand(2, 1, 32, 32, 8)
    mask = torch.tensor([[True] * 8, [True] * 5 + [False] * 3])
    seen: list[int] = []
    first_conv = next(m for m in encoder.slice_encoder.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 3  # the slab's three slices as channels
    first_conv.register_forward_pre_hook(lambda _m, args: seen.append(args[0].shape[0]))
    with torch.no_grad():
        out = encoder(volume, slice_mask=mask)
    # eval: centres 0, 3, 6 of 8 real slices (slabs cover 0..7) and 0, 3 of 5 (slabs cover 0..4)
    assert out.token_mask is not None and out.slice_attention is not None
    assert out.token_mask.tolist() == [[i in (0, 3, 6) for i in range(8)], [i in (0, 3) for i in range(8)]]
    assert sum(seen) == 5
    assert torch.all(out.slice_attention[~out.token_mask] == 0)
    # the pooled embedding is the mean of the centre slabs' embeddings, each slab = centre and its neighbours
    normalised = encoder.normalize(volume)
    slabs = torch.stack([normalised[0, 0, :, :, [c - 1 if c else 0, c, c + 1]].movedim(-1, 0) for c in (0, 3, 6)])
    with torch.no_grad():
        expected = encoder.project(encoder.slice_encoder.encode(slabs, None, None).pooled).mean(0)
    torch.testing.assert_close(out.pooled[0], expected, rtol=1e-4, atol=1e-5)


def test_strided_slabs_draw_a_random_phase_in_training_and_never_a_padded_slice() -> None:
    encoder = make(pooler="mean", slab=3, slice_stride=3).train()
    mask = torch.tensor([[True] * 7 + [False] * 2])
    phases = set()
    for _ in range(30):
        centres = encoder.slab_centres(mask)[0]
        assert not centres[7:].any()
        first = int(centres.nonzero()[0])
        assert centres.nonzero().squeeze(1).tolist() == list(range(first, 7, 3))
        phases.add(first)
    assert phases == {0, 1, 2}
    with pytest.raises(ValueError, match="slice_stride"):
        make(slab=1, slice_stride=3)
