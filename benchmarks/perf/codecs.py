"""Lossless decoders: pydicom's plugins vs imagecodecs (medvlp.io.codec_fast) per file, plus bit-identity.

Run: ``MEDVLP_REALDATA=../shared/realdata OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/codecs.py``
For every JPEG-LS, lossless JPEG and RLE file in the real data (and the synthetic RLE radiographs that
``benchmarks/perf/io.py`` writes), prints ms per file (best of ``--repeats``) for each installed pydicom
plugin (``pixel_array(ds, decoding_plugin=...)``, so pydicom's own bit/sign handling is included), for
``decode_fast`` (imagecodecs + the same handling), whether ``decode_fast`` equals every plugin's array
(dtype, shape and values), and where the rest of ``load_radiograph_array(path, 224)`` goes (parse,
normalise + resize). ``*`` marks the plugin pydicom picks by default (MONAI's), ``m`` the one medvlp's
``decode_pixels`` prefers.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import get_decoder
from timing import best_seconds  # benchmarks/perf/timing.py (the script's own directory)

from medvlp.io import load_radiograph_array
from medvlp.io.codec_fast import FAST_SYNTAXES, decode_fast
from medvlp.io.dicom_file import _FASTEST_LOSSLESS, PREFERRED_PLUGIN, open_dicom

warnings.filterwarnings("ignore")


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    return best_seconds(fn, repeats) * 1e3


def synthetic_radiographs(tmp: Path) -> list[Path]:
    """The radiographs ``benchmarks/perf/io.py`` writes (loaded by path: its name shadows stdlib ``io``)."""
    spec = importlib.util.spec_from_file_location("perf_io", Path(__file__).with_name("io.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_radiographs(tmp, 16, 1536, np.random.default_rng(0))


def candidates(tmp: Path) -> list[Path]:
    files = synthetic_radiographs(tmp)
    realdata = os.environ.get("MEDVLP_REALDATA")
    if realdata:
        files += sorted(p for p in Path(realdata).rglob("*") if p.is_file() and p.suffix in ("", ".dcm"))
    out = []
    for path in files:
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except pydicom.errors.InvalidDicomError:
            ds = None  # README, LICENSE, NIfTI...: not DICOM
        if ds is not None and str(getattr(ds.file_meta, "TransferSyntaxUID", "")) in FAST_SYNTAXES:
            out.append(path)
    return out


def report(path: Path, repeats: int) -> None:
    ds = open_dicom(path)
    uid = ds.file_meta.TransferSyntaxUID
    decoder = get_decoder(uid)
    plugins = decoder.available_plugins
    ours = decode_fast(ds)
    cells, equal = [], True
    for name in plugins:
        ref = pydicom.pixels.pixel_array(ds, decoding_plugin=name)
        equal &= ref.dtype == ours.dtype and ref.shape == ours.shape and np.array_equal(ref, ours)
        ms = best_ms(lambda name=name: pydicom.pixels.pixel_array(ds, decoding_plugin=name), repeats)
        mark = ("*" if name == plugins[0] else "") + ("m" if name == _FASTEST_LOSSLESS.get(uid, PREFERRED_PLUGIN) else "")
        cells.append(f"{name}{mark} {ms:6.2f}")
    fast = best_ms(lambda: decode_fast(ds, first_frame_only=True), repeats)
    total = best_ms(lambda: load_radiograph_array(path, 224), repeats)
    parse = best_ms(lambda: open_dicom(path), repeats)
    shape = "x".join(map(str, ours.shape))
    print(f"{path.parent.name + '/' + path.name:28.28s} {uid.name[:26]:26s} {shape:>11s} BS{ds.BitsStored:<2d} "
          f"PR{ds.PixelRepresentation} | {' '.join(cells)} | imagecodecs {fast:6.2f} | equal {equal} | "
          f"ours@224 {total:6.2f} = parse {parse:5.2f} + decode + rest {total - parse - fast:5.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        for path in candidates(Path(name)):
            report(path, args.repeats)


if __name__ == "__main__":
    main()
