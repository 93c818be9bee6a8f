from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

from medvlp.data.shards import (
    CorruptShardError,
    index_tar,
    iter_tar_samples,
    json_bytes,
    npy_bytes,
    write_tar,
)


def _samples() -> list[tuple[str, dict[str, bytes]]]:
    return [(f"s{i}", {"npy": npy_bytes(np.full((3, 2), i, np.uint8)), "json": json_bytes({"i": i}),
                       "txt": f"report {i}".encode()}) for i in range(4)]


def test_write_is_byte_reproducible_and_webdataset_shaped(tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_tar(tmp_path / "a.tar", _samples())
    write_tar(tmp_path / "b.tar", _samples())
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as tar:
        names = tar.getnames()
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
    assert names[:3] == ["s0.json", "s0.npy", "s0.txt"]


def test_roundtrip_and_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_tar(tmp_path / "a.tar", _samples())
    read = list(iter_tar_samples(tmp_path / "a.tar"))
    assert [k for k, _ in read] == ["s0", "s1", "s2", "s3"]
    assert np.load(io.BytesIO(read[2][1]["npy"])).max() == 2
    index = index_tar(tmp_path / "a.tar")
    offset, size = index[1][1]["txt"]
    data = (tmp_path / "a.tar").read_bytes()[offset:offset + size]
    assert data == b"report 1"


def test_truncated_tar_is_a_typed_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    write_tar(tmp_path / "a.tar", _samples())
    data = (tmp_path / "a.tar").read_bytes()
    offset, size = index_tar(tmp_path / "a.tar")[2][1]["npy"]
    (tmp_path / "cut.tar").write_bytes(data[: offset + size // 2])  # cut inside a member
    with pytest.raises(CorruptShardError):
        list(iter_tar_samples(tmp_path / "cut.tar"))


def test_keys_with_dots_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        write_tar(tmp_path / "x.tar", [("a.b", {"txt": b""})])
