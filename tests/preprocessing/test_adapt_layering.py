"""The adapters only build manifests: they import no medvlp layer above io/knowledge/source_manifest."""

from __future__ import annotations

import ast
from pathlib import Path

import preprocessing

ALLOWED = (
    "medvlp.errors",
    "medvlp.registry",
    "medvlp.keys",
    "medvlp.utils",
    "medvlp.io",
    "medvlp.knowledge",
    "medvlp.ingest.source_manifest",
)


def _medvlp_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:  # "from medvlp import keys" -> medvlp.keys
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n == "medvlp" or n.startswith("medvlp.")}


def test_preprocessing_imports_only_lower_layers() -> None:
    files = sorted(Path(preprocessing.__file__).parent.glob("*.py"))
    assert len(files) > 10
    bad = {f.name: sorted(m for m in _medvlp_imports(f) if not m.startswith(ALLOWED)) for f in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_every_dataset_of_the_brief_is_registered() -> None:
    assert set(preprocessing.ADAPTERS.list()) == {
        "mimic_cxr", "chexpert", "nih_cxr14", "rsna_pneumonia", "siim_pneumothorax", "vindr_cxr",
        "covidx", "object_cxr", "tbx11k", "iu_xray", "ct_rate"}  # fmt: skip
