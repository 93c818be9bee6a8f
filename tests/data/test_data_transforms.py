from __future__ import annotations

import pytest
import torch

from medvlp import keys
from medvlp.data.transforms import (
    HUWindow,
    HUWindowd,
    IntensityJitterd,
    RandResizedCrop,
    RandResizedCropd,
    SliceSample,
    SliceSampled,
)


def test_hu_window_maps_window_to_unit_range() -> None:
    out = HUWindow(center=40, width=400)(torch.tensor([[-1000.0, -160.0, 40.0, 240.0, 3000.0]]))
    assert torch.allclose(out, torch.tensor([[0.0, 0.0, 0.5, 1.0, 1.0]]))
    assert type(out) is torch.Tensor
    d = HUWindowd(center=0, width=2)({keys.IMAGE: torch.tensor([[0.0]]), "other": 1})
    assert float(d[keys.IMAGE]) == 0.5 and d["other"] == 1


def test_random_resized_crop_seeded_and_sized() -> None:
    image = torch.rand(1, 60, 40, generator=torch.Generator().manual_seed(0))
    a, b = RandResizedCrop((32, 32)), RandResizedCrop((32, 32))
    a.set_random_state(3)
    b.set_random_state(3)
    out_a, out_b = a(image), b(image)
    assert out_a.shape == (1, 32, 32) and torch.equal(out_a, out_b)
    c = RandResizedCropd((16, 16))
    c.set_random_state(4)
    crops = {tuple(c({keys.IMAGE: image})[keys.IMAGE].flatten()[:5].tolist()) for _ in range(5)}
    assert len(crops) > 1  # different draws on successive calls


def test_intensity_jitter_stays_in_unit_range() -> None:
    jitter = IntensityJitterd(brightness=0.5, contrast=0.5)
    jitter.set_random_state(0)
    out = jitter({keys.IMAGE: torch.rand(1, 10, 10)})[keys.IMAGE]
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_slice_sample_pad_and_subsample() -> None:
    volume = torch.arange(5.0).view(1, 1, 1, 5).expand(1, 2, 2, 5)
    padded, mask = SliceSample(8, pad_value=-1)(volume)
    assert padded.shape == (1, 2, 2, 8) and mask.tolist() == [True] * 5 + [False] * 3
    assert padded[0, 0, 0, 5:].tolist() == [-1, -1, -1]
    sub, mask = SliceSample(3)(volume)
    assert sub[0, 0, 0].tolist() == [0.0, 2.0, 4.0] and bool(mask.all())
    win = SliceSampled(2, mode="window")
    win.set_random_state(1)
    out = win({keys.IMAGE: volume})
    values = out[keys.IMAGE][0, 0, 0].tolist()
    assert values[1] - values[0] == 1 and out[keys.IMAGE_MASK].all()


def test_slice_sample_stratified_covers_every_bin() -> None:
    depth, n = 40, 16
    volume = torch.arange(float(depth)).view(1, 1, 1, depth)
    sampler = SliceSample(n, mode="stratified")
    sampler.set_random_state(3)
    seen: set[int] = set()
    for _ in range(20):
        out, mask = sampler(volume)
        index = out[0, 0, 0].long()
        assert bool(mask.all()) and out.shape[-1] == n
        assert bool((index[1:] > index[:-1]).all())  # ordered, no repeats
        for b, i in enumerate(index.tolist()):  # pick b lies inside bin b of the whole volume
            assert round(b * depth / n) <= i < round((b + 1) * depth / n)
        seen.update(index.tolist())
    assert len(seen) > n  # the picked slices vary between calls
    assert min(seen) <= 2 and max(seen) >= depth - 3  # both ends of the volume are reached


def test_slice_sample_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="sampling mode"):
        SliceSample(4, mode="random")  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["uniform", "stratified", "window"])
def test_slice_sampled_keeps_the_positions_of_the_chosen_slices(mode: str) -> None:
    depth = 12
    volume = torch.arange(float(depth)).view(1, 1, 1, depth)
    positions = torch.arange(depth, dtype=torch.float64) * 2.5 - 100.0  # mm, 2.5 mm apart
    sampler = SliceSampled(5, mode=mode)
    sampler.set_random_state(7)
    out = sampler({keys.IMAGE: volume, keys.SLICE_POSITIONS: positions})
    index = out[keys.IMAGE][0, 0, 0].long()
    assert out[keys.SLICE_POSITIONS].dtype == torch.float32
    assert out[keys.SLICE_POSITIONS].tolist() == (positions[index]).float().tolist()


def test_slice_sampled_pads_positions_and_drops_missing_ones() -> None:
    volume = torch.zeros(1, 2, 2, 3)
    out = SliceSampled(5)({keys.IMAGE: volume, keys.SLICE_POSITIONS: torch.tensor([0.0, 5.0, 10.0])})
    assert out[keys.IMAGE_MASK].tolist() == [True] * 3 + [False] * 2
    assert out[keys.SLICE_POSITIONS].tolist()[:3] == [0.0, 5.0, 10.0] and len(out[keys.SLICE_POSITIONS]) == 5
    none = SliceSampled(2)({keys.IMAGE: volume, keys.SLICE_POSITIONS: torch.zeros(0)})
    assert keys.SLICE_POSITIONS not in none
    with pytest.raises(ValueError, match="2 slice positions for a volume of 3 slices"):
        SliceSampled(2)({keys.IMAGE: volume, keys.SLICE_POSITIONS: torch.zeros(2)})
