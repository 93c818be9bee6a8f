"""CT display windows computed inside the slice-pooling encoder."""

from __future__ import annotations

import pytest
import torch

from medvlp.models import create_model
from medvlp.models.windows import MultiWindow


def test_channels_equal_direct_windowing_of_hu() -> None:
    hu = torch.tensor([-1000.0, -950.0, -600.0, -100.0, 40.0, 130.0, 400.0, 1000.0]).reshape(1, 1, 8)
    wide = (hu + 1000.0) / 2000.0  # what the data pipeline yields for the card window [-1000, 1000]
    windows = [(-1000.0, -400.0), (-160.0, 240.0)]
    out = MultiWindow(windows, (-1000.0, 1000.0))(wide)
    assert out.shape == (1, 2, 8)
    for k, (low, high) in enumerate(windows):
        expected = ((hu[0, 0] - low) / (high - low)).clamp(0, 1)
        torch.testing.assert_close(out[0, k], expected, atol=1e-6, rtol=0)
    # a +130 HU node against 40 HU tissue: ~4.5 % apart in the wide window, ~22 % in the mediastinal one
    assert out[0, 1, 5] - out[0, 1, 4] > 4 * (wide[0, 0, 5] - wide[0, 0, 4])


@pytest.mark.parametrize("windows, input_window", [([], (-1000, 1000)), ([(0, 0)], (-1000, 1000)),
                                                   ([(-1000, 0)], (10, 10))])
def test_rejects_bad_windows(windows: list, input_window: tuple) -> None:
    with pytest.raises(ValueError):
        MultiWindow(windows, input_window)


def test_slicepool_model_takes_windows_from_the_card() -> None:
    model = create_model("ct_slicepool_tiny", **{"vision.params.windows": [[-1000, -400], [-160, 240], [-1000, 1000]]})
    encoder = model.visual
    assert encoder.multi_window is not None and encoder.multi_window.input_low == -1000.0
    volume = torch.rand(2, 1, 32, 32, 6)
    normalised = encoder.normalize(volume)
    assert normalised.shape == (2, 3, 32, 32, 6)
    out = encoder(volume)
    assert out.pooled.shape == (2, model.visual.embed_dim) and torch.isfinite(out.pooled).all()
    # the first conv of the slice encoder now sees three channels
    first_conv = next(m for m in encoder.slice_encoder.modules() if isinstance(m, torch.nn.Conv2d))
    assert first_conv.in_channels == 3
