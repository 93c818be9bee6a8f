"""Imaging I/O throughput: medvlp vs MONAI (radiographs) and vs dcm2niix + MONAI (CT series).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/io.py [--images 24] [--slices 48]``
(set MEDVLP_REALDATA to add the real WG04/pydicom radiographs and the dcm_qa_ct series).
Inputs are written to a temporary folder with pydicom; every contender reads the same files.
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
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

from medvlp.io import load_radiograph_array, read_dicom_series

warnings.filterwarnings("ignore")


def _dataset(pixels: np.ndarray, sop_class: str, **attrs: object) -> Dataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, meta.MediaStorageSOPInstanceUID
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


def bench_radiographs(paths: list[Path], repeats: int) -> None:
    from monai.transforms import LoadImage, ScaleIntensity

    monai_load, scale = LoadImage(reader="PydicomReader", image_only=True), ScaleIntensity()
    def run_ours() -> None:
        for p in paths:
            load_radiograph_array(p)

    def run_monai() -> None:
        for p in paths:
            scale(monai_load(str(p)))

    ours, ours_mem = timed(run_ours, repeats)
    monai, monai_mem = timed(run_monai, repeats)
    n = len(paths)
    print(f"radiographs ({n} files): medvlp {n / ours:8.1f} img/s (peak {ours_mem:6.1f} MiB) | "
          f"MONAI LoadImage+ScaleIntensity {n / monai:8.1f} img/s (peak {monai_mem:6.1f} MiB) | "
          f"speed-up x{monai / ours:.2f}")


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
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        paths = make_radiographs(tmp, args.images, args.size, rng)
        bench_radiographs(paths, args.repeats)
        realdata = os.environ.get("MEDVLP_REALDATA")
        if realdata:
            real = sorted(p for p in (Path(realdata) / "radiographs").rglob("*")
                          if p.is_file() and p.parent.name in ("J2KR", "JLSL", "JPLL", "RLE", "J2KI"))
            bench_radiographs(real, args.repeats)
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
