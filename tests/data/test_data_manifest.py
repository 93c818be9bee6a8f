from __future__ import annotations

import pytest

from medvlp.data.manifest import COLUMNS, read_manifest, write_manifest


def test_manifest_written_deterministically(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [{"source_index": 0, "path": "a.dcm", "status": "ok", "key": "k"},
            {"source_index": 1, "path": "b.txt", "status": "skipped", "reason": "unsupported_file"}]
    write_manifest(rows, tmp_path / "one")
    write_manifest(rows, tmp_path / "two")
    for name in ("manifest.parquet", "manifest.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    table = read_manifest(tmp_path / "one")
    assert tuple(table.column_names) == COLUMNS
    assert table.column("reason").to_pylist() == [None, "unsupported_file"]


def test_bad_status_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        write_manifest([{"source_index": 0, "path": "a", "status": "fine"}], tmp_path)
