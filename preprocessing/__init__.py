"""Dataset adapters: build source manifests from public datasets' published on-disk layouts.

``ADAPTERS.get(name)(root, split_file)`` returns a :class:`SourceManifest` (see
:mod:`preprocessing.manifest` for the schema). Importing this package registers every adapter.
"""

from __future__ import annotations

from pathlib import Path

from preprocessing import (  # noqa: F401  (imported for their @ADAPTERS.register side effect)
    chexpert,
    covidx,
    ct_rate,
    iu_xray,
    mimic_cxr,
    nih_cxr14,
    object_cxr,
    rsna_pneumonia,
    siim_pneumothorax,
    tbx11k,
    vindr_cxr,
)
from preprocessing.errors import (
    AdapterInputError,
    AnnotationFormatError,
    DatasetLayoutError,
    MissingColumnsError,
    SplitFileError,
)
from preprocessing.manifest import Skip, SourceManifest
from preprocessing.registry import ADAPTERS


def build_manifest(dataset: str, root: str | Path, split_file: str | Path | None = None) -> SourceManifest:
    """Run the adapter registered as ``dataset`` on ``root`` (with optional fixed split lists)."""
    return ADAPTERS.get(dataset)(Path(root), None if split_file is None else Path(split_file))


__all__ = [
    "ADAPTERS",
    "AdapterInputError",
    "AnnotationFormatError",
    "DatasetLayoutError",
    "MissingColumnsError",
    "Skip",
    "SourceManifest",
    "SplitFileError",
    "build_manifest",
]
