"""The ``ADAPTERS`` registry: dataset name -> manifest builder ``(root, split_file) -> SourceManifest``."""

from __future__ import annotations

from medvlp.registry import Registry
from preprocessing.manifest import SourceManifest

ADAPTERS: Registry[SourceManifest] = Registry("dataset adapter")
