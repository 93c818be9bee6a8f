"""``read_parallel``: same results as ``read_all``, in file order, typed per-file errors across processes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from io_dicom_factory import DX_STORAGE, base_dataset, save
from pydicom.uid import JPEG2000Lossless

from medvlp.io import errors as E
from medvlp.io import load_radiograph_array, read_all
from medvlp.io.batch import process_pool, read_parallel


def _files(tmp: Path) -> list[Path]:
    rng = np.random.default_rng(3)
    good = []
    for i in range(3):
        pixels = rng.integers(0, 4096, size=(300, 260)).astype(np.uint16)
        ds = base_dataset(pixels, DX_STORAGE, Modality="DX", WindowCenter=2048, WindowWidth=4096)
        ds.BitsStored, ds.HighBit = 12, 11
        if i == 1:
            ds.compress(JPEG2000Lossless, encoding_plugin="pylibjpeg")
        good.append(save(ds, tmp / f"good{i}.dcm"))
    empty = tmp / "empty.dcm"
    empty.write_bytes(b"")
    truncated = tmp / "cut.dcm"
    truncated.write_bytes(good[0].read_bytes()[:-100])
    return [good[0], empty, good[1], truncated, good[2]]


def _check_same(parallel: list, serial: list) -> None:
    assert [r.path for r in parallel] == [r.path for r in serial]
    for p, s in zip(parallel, serial):
        assert p.ok == s.ok and p.code == s.code and p.reason == s.reason
        if p.ok:
            assert np.array_equal(p.value, s.value)
        else:
            assert type(p.error) is type(s.error) and p.error.path == s.error.path
            assert str(p.error) == str(s.error)


def test_process_pool_matches_serial(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    reader = partial(load_radiograph_array, size=64)
    serial = read_all(paths, reader)
    assert [r.code for r in serial] == ["ok", "not_dicom", "ok", "truncated_file", "ok"]
    parallel = read_parallel(paths, reader, workers=2)
    _check_same(parallel, serial)
    assert isinstance(parallel[1].error, E.NotDicomError)


def test_given_executors_are_reused_and_left_open(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    reader = partial(load_radiograph_array, size=32)
    serial = read_all(paths, reader)
    with ThreadPoolExecutor(2) as threads:
        _check_same(read_parallel(paths, reader, executor=threads), serial)
        _check_same(read_parallel(paths[::-1], reader, executor=threads), serial[::-1])
    pool = process_pool(2)
    try:
        _check_same(read_parallel(paths, reader, executor=pool, chunksize=2), serial)
        assert pool.submit(sum, [1, 2]).result() == 3  # still open
    finally:
        pool.shutdown()


def test_single_worker_reads_in_process(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    _check_same(read_parallel(paths, load_radiograph_array, workers=1), read_all(paths, load_radiograph_array))
