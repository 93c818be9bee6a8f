"""Imaging I/O throughput: medvlp vs MONAI (radiographs) and vs dcm2niix + MONAI (CT series).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/io.py [--images 16] [--slices 48] [--workers 2]``
(set MEDVLP_REALDATA to add the real WG04/pydicom/torchxrayvision radiographs and the dcm_qa_ct series).
Inputs are written to a temporary folder with pydicom; every contender reads the same files.

Radiographs are reported per transfer syntax, model-ready at ``--target`` px: ours
(``load_radiograph_array(path, size)``: reduced-resolution decode for JPEG 2000 and 8-bit JPEG) against
MONAI ``LoadImage(reader="PydicomReader")`` + ``ScaleIntensity`` (the issue's peer, full resolution, no
resize) and, for reference, MONAI plus ``Resize``/``SpatialPad`` to the same size. Single-thread columns run
both sides in this process; the multi-worker columns give both sides the same warm process pool.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import RLELossless, generate_uid

from medvlp.data.synthetic.dicom_common import new_dataset
from medvlp.io import load_radiograph_array, read_dicom_series
from medvlp.io.batch import process_pool, read_parallel

warnings.filterwarnings("ignore")


def _dataset(pixels: np.ndarray, sop_class: str, **attrs: object) -> Dataset:
    ds = new_dataset(sop_class, generate_uid())  # the synthetic generator's file meta + SOP identity
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 1 if pixels.dtype.kind == "i" else 0
    ds.PixelData = pixels.tobytes()
    for key, value in attrs.items():
        setattr(ds, key, value)
    return ds


def make_radiographs(folder: Path, count: int, size: int, rng: np.random.Generator) -> list[Path]:
    paths = []
    for i in range(count):
        pixels = rng.integers(0, 4096, size=(size, size - 256)).astype(np.uint16)
        attrs = {"Modality": "DX", "WindowCenter": 2048, "WindowWidth": 4096}
        if i % 2:
            attrs["PhotometricInterpretation"] = "MONOCHROME1"
        ds = _dataset(pixels, "1.2.840.10008.5.1.4.1.1.1.1", **attrs)
        if i % 4 == 3:
            ds.compress(RLELossless)
        path = folder / f"dx{i:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def make_ct_series(folder: Path, slices: int, rng: np.random.Generator) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    uid = generate_uid()
    for k in range(slices):
        pixels = rng.integers(0, 3000, size=(512, 512)).astype(np.int16)
        ds = _dataset(pixels, "1.2.840.10008.5.1.4.1.1.2", Modality="CT", SeriesInstanceUID=uid,
                      StudyInstanceUID=uid, ImageType=["ORIGINAL", "PRIMARY", "AXIAL"], InstanceNumber=slices - k,
                      ImagePositionPatient=[-100.0, -100.0, 2.5 * k], ImageOrientationPatient=[1, 0, 0, 0, 1, 0],
                      PixelSpacing=[0.7, 0.7], SliceThickness=2.5, RescaleSlope=1, RescaleIntercept=-1024,
                      SeriesNumber=1)
        ds.save_as(folder / f"{k:04d}.dcm", enforce_file_format=True)
    return folder


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(best wall seconds over ``repeats``, peak traced Python memory in MiB of one run)."""
    fn()  # warm-up: imports, page cache
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return best, peak


_MONAI: list[Callable[[str], object]] = []


def monai_one(path: str) -> object:
    """MONAI ``LoadImage(reader="PydicomReader")`` + ``ScaleIntensity`` on one file (built once per process)."""
    if not _MONAI:
        from monai.transforms import Compose, LoadImage, ScaleIntensity

        _MONAI.append(Compose([LoadImage(reader="PydicomReader", image_only=True), ScaleIntensity()]))
    return _MONAI[0](path)


def monai_ready(path: str, size: int) -> object:
    """The same plus what makes it model-ready like ours: channel, longest side -> size, pad to square."""
    from monai.transforms import EnsureChannelFirst, Resize, SpatialPad

    image = EnsureChannelFirst(channel_dim="no_channel")(monai_one(path))
    return SpatialPad((size, size))(Resize(size, size_mode="longest", anti_aliasing=True)(image))


def _rate(n: int, fn: Callable[[], object], repeats: int) -> float:
    return n / timed(fn, repeats)[0]


def bench_radiographs(groups: dict[str, list[Path]], size: int | None, workers: int, repeats: int) -> None:
    """Per transfer syntax: images/s single-thread (ours, MONAI, MONAI made model-ready) and with ``workers``
    processes on both sides (ours also with ``workers`` threads, to show the decoders hold the GIL)."""
    shape = "full resolution [H, W]" if size is None else f"[{size}, {size}]"
    print(f"radiographs -> {shape} float32, images/s (best of {repeats}); 1T = one thread in this "
          f"process; {workers}P = {workers} worker processes (forkserver pool, warm) on both sides; "
          f"{workers}T = {workers} threads")
    print(f"{'transfer syntax':32s} {'n':>3s} | {'ours 1T':>8s} {'MONAI 1T':>8s} {'ratio':>6s} "
          f"{'MONAI+rsz':>9s} | {'ours ' + str(workers) + 'P':>8s} {'MONAI ' + str(workers) + 'P':>9s} "
          f"{'ratio':>6s} {'vs 1T':>6s} | {'ours ' + str(workers) + 'T':>8s}")
    with process_pool(workers) as procs, ThreadPoolExecutor(workers) as threads:
        for label, paths in groups.items():
            _bench_group(label, paths, size, procs, threads, repeats)


def _bench_group(label: str, paths: list[Path], size: int | None, procs: Executor, threads: Executor,
                 repeats: int) -> None:
    ours = partial(load_radiograph_array, size=size)
    n, strs = len(paths), [str(p) for p in paths]
    o1 = _rate(n, lambda: [ours(p) for p in paths], repeats)
    m1 = _rate(n, lambda: [monai_one(p) for p in strs], repeats)
    mr = float("nan") if size is None else _rate(n, lambda: [monai_ready(p, size) for p in strs], repeats)
    on = _rate(n, lambda: read_parallel(paths, ours, executor=procs), repeats)
    mn = _rate(n, lambda: list(procs.map(monai_one, strs)), repeats)
    ot = _rate(n, lambda: read_parallel(paths, ours, executor=threads), repeats)
    print(f"{label:32s} {n:3d} | {o1:8.1f} {m1:8.1f} {o1 / m1:5.2f}x {mr:9.1f} | {on:8.1f} {mn:9.1f} "
          f"{on / mn:5.2f}x {on / m1:5.2f}x | {ot:8.1f}", flush=True)


def _decode_only(path: Path) -> object:
    """Just the full-resolution pixel decode (pydicom + the preferred plugin), no normalise or resize."""
    from medvlp.io.dicom_file import decode_pixels, open_dicom

    return decode_pixels(open_dicom(path), path)


def bench_gil(groups: dict[str, list[Path]], workers: int, repeats: int) -> None:
    """Does the decoder release the GIL? Decode-only images/s with 1 thread vs ``workers`` threads."""
    print(f"decoder only (full resolution), images/s: 1 thread vs {workers} threads (x > 1 means the GIL is released)")
    with ThreadPoolExecutor(workers) as threads:
        for label, paths in groups.items():
            one = _rate(len(paths), lambda paths=paths: [_decode_only(p) for p in paths], repeats)
            many = _rate(len(paths), lambda paths=paths: list(threads.map(_decode_only, paths)), repeats)
            print(f"{label:32s} {one:8.1f} {many:8.1f} {many / one:5.2f}x", flush=True)


def radiograph_groups(tmp: Path, args: argparse.Namespace, rng: np.random.Generator) -> dict[str, list[Path]]:
    """Synthetic files plus (with MEDVLP_REALDATA) the real compressed radiographs, by transfer syntax."""
    files = make_radiographs(tmp, args.images, args.size, rng)
    realdata = os.environ.get("MEDVLP_REALDATA")
    if realdata:
        root = Path(realdata) / "radiographs"
        files += sorted(p for p in (root / "wg04_nema_via_dicom-test-files").glob("*/*")
                        if p.is_file() and p.parent.name in ("J2KR", "JLSL", "JPLL", "RLE", "J2KI"))
        files += [root / "pydicom_testdata" / "RG1_J2KI.dcm"]
        files += sorted((root / "torchxrayvision_tests").glob("*.dcm"))
    groups: dict[str, list[Path]] = {}
    for path in files:
        ds = dcmread(path, stop_before_pixels=True)
        origin = "synthetic" if path.parent == tmp else "real"
        groups.setdefault(f"{origin} {ds.file_meta.TransferSyntaxUID.keyword}", []).append(path)
    return {label: paths * args.copies for label, paths in groups.items()}


def _dcm2niix(folder: Path, out: Path, peaks: list[float]) -> None:
    """Run dcm2niix; record its peak RSS (VmHWM polled from /proc: ru_maxrss of a child forked from this
    large Python process would report the parent's size)."""
    binary = Path(sys.executable).parent / "dcm2niix"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    proc = subprocess.Popen([str(binary if binary.exists() else "dcm2niix"), "-z", "n", "-f", "%s", "-o", str(out),
                             str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    status = Path(f"/proc/{proc.pid}/status")
    while proc.poll() is None:
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM"))
            peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, StopIteration, ValueError):
            pass
        time.sleep(0.002)
    if proc.returncode != 0:
        raise RuntimeError(f"dcm2niix failed on {folder}")
    peaks.append(peak)


def bench_series(folder: Path, label: str, repeats: int, tmp: Path) -> None:
    from monai.transforms import LoadImage

    from medvlp.io import write_nifti

    monai_load = LoadImage(reader="PydicomReader", image_only=True)
    ours, ours_mem = timed(lambda: read_dicom_series(folder), repeats)
    ours_w, _ = timed(lambda: write_nifti(read_dicom_series(folder), tmp / "ours.nii"), repeats)
    peaks: list[float] = []
    d2n, _ = timed(lambda: _dcm2niix(folder, tmp / "d2n", peaks), repeats)
    d2n_mem = max(peaks)
    monai, monai_mem = timed(lambda: monai_load(str(folder)), repeats)
    print(f"CT series {label}: medvlp {ours:.3f} s (peak {ours_mem:.0f} MiB traced), medvlp+write .nii "
          f"{ours_w:.3f} s | dcm2niix {d2n:.3f} s (peak RSS {d2n_mem:.0f} MiB, polled) | MONAI PydicomReader "
          f"{monai:.3f} s (peak {monai_mem:.0f} MiB traced) | medvlp/dcm2niix x{ours / d2n:.2f} "
          f"(with write x{ours_w / d2n:.2f}), MONAI/medvlp x{monai / ours:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--size", type=int, default=1536)
    parser.add_argument("--slices", type=int, default=48)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--target", type=int, default=224, help="model-ready size of the radiographs (0: full resolution, no resize on either side)")
    parser.add_argument("--workers", type=int, default=2, help="processes/threads of the multi-worker columns")
    parser.add_argument("--copies", type=int, default=3, help="each radiograph is read this many times per run")
    parser.add_argument("--skip-ct", action="store_true", help="radiographs only")
    parser.add_argument("--gil", action="store_true", help="only time the decoders alone in 1 vs N threads")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        groups = radiograph_groups(tmp, args, rng)
        if args.gil:
            bench_gil(groups, args.workers, args.repeats)
            return
        bench_radiographs(groups, args.target or None, args.workers, args.repeats)
        if args.skip_ct:
            return
        realdata = os.environ.get("MEDVLP_REALDATA")
        bench_series(make_ct_series(tmp / "ct", args.slices, rng), f"synthetic 512x512x{args.slices}",
                     args.repeats, tmp)
        if realdata:
            ct = Path(realdata) / "dicom_series" / "dcm_qa_ct" / "In" / "Philips" / "S21570" / "S2010"
            clean = tmp / "real_ct"  # the series files only: MONAI cannot skip DICOMDIR files
            clean.mkdir()
            for f in ct.glob("I*"):
                shutil.copy(f, clean / f.name)
            bench_series(clean, "dcm_qa_ct 512x512x28", args.repeats, tmp)


if __name__ == "__main__":
    main()
