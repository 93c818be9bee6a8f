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
    """Sample/pad slices of ``keys.IMAGE`` and store the real-slice mask under ``keys.IMAGE_MASK``."""

    def __init__(self, n_slices: int, mode: str = "uniform", pad_value: float = 0.0,
                 image_key: str = keys.IMAGE, mask_key: str = keys.IMAGE_MASK) -> None:
        super().__init__(SliceSample(n_slices, mode, pad_value), (image_key,))  # type: ignore[arg-type]
        self.mask_key = mask_key

    def __call__(self, data: Mapping[Hashable, Any]) -> dict[Hashable, Any]:
        out = dict(data)
        for key in self.key_iterator(out):
            out[key], out[self.mask_key] = self.inner(out[key])
        return out
