"""Rasterise bounding boxes into label masks: re-exported from :mod:`medvlp.data.masks` (ingest uses
the same rasteriser, and ingest must not import evaluation)."""

from medvlp.data.masks import boxes_to_mask

__all__ = ["boxes_to_mask"]
