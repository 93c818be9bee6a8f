"""Same seed -> byte-identical dataset whatever the worker count; another seed -> different data."""

from __future__ import annotations

from pathlib import Path

from medvlp.data.synthetic import generate
from medvlp.utils.files import sha256_file


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def test_byte_identical_across_worker_counts(tmp_path: Path) -> None:
    kw = {"n_cxr": 10, "n_ct": 5, "cxr_size": 96, "ct_shape": (32, 32, 16)}
    generate(tmp_path / "a", seed=5, workers=1, **kw)
    generate(tmp_path / "b", seed=5, workers=2, **kw)
    a, b = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert any(k.endswith(".nii.gz") for k in a) and any(k.endswith(".dcm") for k in a)
    assert a == b
    generate(tmp_path / "c", seed=6, workers=2, **kw)
    c = _hashes(tmp_path / "c")
    assert c["reports.csv"] != a["reports.csv"] and c["ground_truth.csv"] != a["ground_truth.csv"]
