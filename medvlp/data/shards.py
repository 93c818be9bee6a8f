"""WebDataset-compatible tar shards: a deterministic writer and a tolerant sample reader.

A sample ``<key>`` is the consecutive tar members ``<key>.<ext>`` (``npy``, ``json``, ``txt``, and
``mask.npy`` when the image has a segmentation mask). The
writer fixes member order, mtimes, owners and modes so identical inputs give byte-identical shards,
and writes every shard under a temporary name renamed atomically when complete.
"""

from __future__ import annotations

import io
import json
import mmap
import tarfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from medvlp.errors import InputError
from medvlp.utils.files import atomic_open

SHARD_PATTERN = "{split}-{index:06d}.tar"
FIXED_MTIME = 0  # tar mtimes are constant: shards depend on content only
MASK_MEMBER = "mask.npy"  # optional ``<key>.mask.npy``: uint8 [H, W] segmentation mask on the image's grid


class CorruptShardError(InputError):
    """A shard (or one sample in it) cannot be read."""


def npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def json_bytes(data: Any) -> bytes:
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def add_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    """Append one member with fixed metadata (mtime, uid/gid, mode) for reproducible bytes."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = FIXED_MTIME
    info.mode = 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def write_tar(path: str | Path, samples: Sequence[tuple[str, Mapping[str, bytes]]]) -> None:
    """Write ``[(key, {ext: bytes})]`` to ``path`` atomically, members in the given order, exts sorted."""
    with atomic_open(path, "wb") as fh, tarfile.open(fileobj=fh, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for key, members in samples:
            if "." in key or "/" in key:
                raise ValueError(f"sample key {key!r} must not contain '.' or '/'")
            for ext in sorted(members):
                add_member(tar, f"{key}.{ext}", members[ext])


_BLOCK = 512
_PLAIN_FILE = (b"0", b"\0")


class _NotPlainTar(Exception):
    """The tar uses headers this fast reader does not parse (PAX, GNU long names): use tarfile."""


def _octal(field: bytes) -> int:
    return int(field.strip(b"\0 ") or b"0", 8)


def _walk_ustar(data: bytes | mmap.mmap, path: str | Path) -> Iterator[tuple[str, int, int]]:
    """``(member name, data offset, size)`` of a plain USTAR archive, checking every header checksum."""
    pos = 0
    while pos + _BLOCK <= len(data):
        header = data[pos : pos + _BLOCK]
        if header.count(0) == _BLOCK:
            return  # end-of-archive marker
        if _octal(header[148:156]) != sum(header[:148]) + 256 + sum(header[156:]):
            raise CorruptShardError(path, f"bad tar header checksum at byte {pos}")
        if header[156:157] not in _PLAIN_FILE:
            raise _NotPlainTar
        name = header[:100].rstrip(b"\0").decode("utf-8")
        prefix = header[345:500].rstrip(b"\0").decode("utf-8")
        size = _octal(header[124:136])
        if pos + _BLOCK + size > len(data):
            raise CorruptShardError(path, f"member {name!r} truncated")
        yield (f"{prefix}/{name}" if prefix else name), pos + _BLOCK, size
        pos += _BLOCK + (size + _BLOCK - 1) // _BLOCK * _BLOCK
    raise CorruptShardError(path, "archive ends without its end-of-archive marker (truncated)")


def _group(entries: Iterator[tuple[str, int, int]]) -> list[tuple[str, dict[str, tuple[int, int]]]]:
    out: list[tuple[str, dict[str, tuple[int, int]]]] = []
    for name, offset, size in entries:
        key, _, ext = name.rpartition("/")[2].partition(".")
        if not out or out[-1][0] != key:
            out.append((key, {}))
        out[-1][1][ext] = (offset, size)
    return out


def _tarfile_index(path: str | Path) -> list[tuple[str, dict[str, tuple[int, int]]]]:
    try:
        with tarfile.open(path, mode="r:") as tar:
            return _group((m.name, m.offset_data, m.size) for m in tar.getmembers() if m.isfile())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise CorruptShardError(path, f"unreadable tar: {exc}") from exc


def index_tar(path: str | Path) -> list[tuple[str, dict[str, tuple[int, int]]]]:
    """``[(key, {ext: (data_offset, size)})]`` for random access into an uncompressed tar."""
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _group(_walk_ustar(data, path))
    except _NotPlainTar:
        return _tarfile_index(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:  # empty file, unreadable, bad bytes
        raise CorruptShardError(path, f"unreadable tar: {exc}") from exc


def iter_tar_samples(path: str | Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """Yield ``(key, {ext: bytes})`` for consecutive members sharing a key.

    The whole archive is validated (headers, sizes, end marker) before the first sample is
    yielded, so a damaged shard raises CorruptShardError without yielding part of it.
    """
    entries = index_tar(path)
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for key, members in entries:
            yield key, {ext: data[off : off + size] for ext, (off, size) in members.items()}


def shard_files(shard_dir: str | Path, split: str | None = None) -> list[Path]:
    """Sorted shard paths in ``shard_dir`` (optionally one split's)."""
    pattern = f"{split}-*.tar" if split else "*.tar"
    return sorted(Path(shard_dir).glob(pattern))
