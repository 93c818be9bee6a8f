"""Training-time transforms: array transforms and their dictionary (``...d``) wrappers."""

from medvlp.data.transforms.array import HUWindow, IntensityJitter, RandResizedCrop, SliceSample
from medvlp.data.transforms.dictionary import HUWindowd, IntensityJitterd, RandResizedCropd, SliceSampled

__all__ = [
    "HUWindow",
    "HUWindowd",
    "IntensityJitter",
    "IntensityJitterd",
    "RandResizedCrop",
    "RandResizedCropd",
    "SliceSample",
    "SliceSampled",
]
