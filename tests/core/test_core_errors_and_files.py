from __future__ import annotations

import os
from pathlib import Path

import pytest

from medvlp.errors import InputError
from medvlp.utils.files import atomic_open, atomic_write_text, sha256_file


class TruncatedFileError(InputError):
    pass


def test_input_error_names_file_reason_and_code() -> None:
    err = TruncatedFileError("/x/y.dcm", "pixel data ends early")
    assert str(err) == "/x/y.dcm: pixel data ends early"
    assert err.path == "/x/y.dcm" and err.reason == "pixel data ends early"
    assert err.code == "truncated_file"


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_open(target, "w") as fh:
        fh.write("partial")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left behind


def test_sha256_file(tmp_path: Path) -> None:
    import hashlib

    data = os.urandom(3_000_000)
    (tmp_path / "b").write_bytes(data)
    assert sha256_file(tmp_path / "b", chunk=1 << 16) == hashlib.sha256(data).hexdigest()
