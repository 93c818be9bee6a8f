"""Dictionary wrappers (``...d``) over the array transforms, acting on sample-dict keys."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from monai.transforms import MapTransform, Randomizable

from medvlp import keys
from medvlp.data.transforms.array import HUWindow, IntensityJitter, RandResizedCrop, SliceSample


class _Wrapped(Randomizable, MapTransform):
    """Apply one array transform to every key; random state is shared with the inner transform."""

    def __init__(self, inner: Any, keys_: Sequence[Hashable], allow_missing_keys: bool = False) -> None:
        MapTransform.__init__(self, keys_, allow_missing_keys)
        self.inner = inner

    def set_random_state(self, seed: int | None = None, state: Any = None) -> _Wrapped:
        super().set_random_state(seed, state)
        if isinstance(self.inner, Randomizable):
            self.inner.set_random_state(seed, state)
        return self

    def randomize(self, data: Any = None) -> None:  # the inner transform draws its own parameters
        pass

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        out = dict(data)
        for key in self.key_iterator(out):
            out[key] = self.inner(out[key])
        return out


class HUWindowd(_Wrapped):
    def __init__(self, keys_: Sequence[Hashable] = (keys.IMAGE,), center: float = 40.0, width: float = 400.0) -> None:
        super().__init__(HUWindow(center, width), keys_)


class RandResizedCropd(_Wrapped):
    def __init__(
        self,
        size: tuple[int, int],
        keys_: Sequence[Hashable] = (keys.IMAGE,),
        scale: tuple[float, float] = (0.6, 1.0),
        ratio: tuple[float, float] = (3 / 4, 4 / 3),
    ) -> None:
        super().__init__(RandResizedCrop(size, scale, ratio), keys_)


class IntensityJitterd(_Wrapped):
    def __init__(self, keys_: Sequence[Hashable] = (keys.IMAGE,), brightness: float = 0.1, contrast: float = 0.1) -> None:
        super().__init__(IntensityJitter(brightness, contrast), keys_)


class SliceSampled(_Wrapped):
    """Sample/pad slices of ``keys.IMAGE``, store the real-slice mask under ``keys.IMAGE_MASK`` and keep the
    slice positions (mm, ``keys.SLICE_POSITIONS``) of the chosen slices, so the encoder's position codes
    describe the slices it is given.

    A sample with one position per source slice gets the chosen ones (``float32 [n]``); a sample without
    positions (an empty list: 2D, or no geometry) keeps none; a count that matches neither is an error.
    """

    def __init__(self, n_slices: int, mode: str = "uniform", pad_value: float = 0.0,
                 image_key: str = keys.IMAGE, mask_key: str = keys.IMAGE_MASK,
                 positions_key: str = keys.SLICE_POSITIONS) -> None:
        super().__init__(SliceSample(n_slices, mode, pad_value), (image_key,))  # type: ignore[arg-type]
        self.mask_key, self.positions_key = mask_key, positions_key

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        out = dict(data)
        for key in self.key_iterator(out):
            depth = int(out[key].shape[-1])
            out[key], out[self.mask_key] = self.inner(out[key])
            positions = out.get(self.positions_key)
            if positions is None or len(positions) == 0:
                out.pop(self.positions_key, None)
                continue
            if len(positions) != depth:
                raise ValueError(f"{len(positions)} slice positions for a volume of {depth} slices "
                                 f"(sample {out.get(keys.KEY)!r})")
            out[self.positions_key] = self.inner.take_positions(positions)
        return out
