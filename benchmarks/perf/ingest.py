"""Ingest throughput (1 vs 2 workers) and training-time reads: shards vs decoding raw DICOM each epoch.

    OMP_NUM_THREADS=1 python benchmarks/perf/ingest.py --cxr 24 --ct 4

Both read paths give the same float32 [1, H, W] image in [0, 1] with the same preprocessing
(value range -> [0, 1], longest side resized, padded); the shard path only decodes the stored uint8.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from medvlp import keys
from medvlp.config import load_config
from medvlp.data.datasets import ShardDataset
from medvlp.data.synthetic import generate
from medvlp.ingest.config import IngestConfig
from medvlp.ingest.pipeline import run_ingest
from medvlp.ingest.preprocess import preprocess_radiograph
from medvlp.io.radiograph import read_radiograph

SECRET = b"benchmark-secret-0123456789"
DEMO = Path(__file__).resolve().parents[2] / "configs" / "ingest" / "demo.yaml"


def ingest_rate(source: Path, out: Path, cfg: IngestConfig, n_studies: int) -> float:
    start = time.perf_counter()
    run_ingest(source, out, cfg, secret=SECRET)
    return n_studies / (time.perf_counter() - start)


def read_shards(out: Path, epochs: int) -> tuple[int, float]:
    n, start = 0, time.perf_counter()
    for _ in range(epochs):
        for split in keys.SPLITS:
            if list((out / "shards").glob(f"{split}-*.tar")):
                for sample in ShardDataset(out, split, modalities={"CR", "DX"}):
                    assert sample[keys.IMAGE].ndim == 3
                    n += 1
    return n, time.perf_counter() - start


def read_raw(files: list[Path], cfg: IngestConfig, epochs: int) -> tuple[int, float]:
    n, start = 0, time.perf_counter()
    for _ in range(epochs):
        for path in files:
            pre = preprocess_radiograph(read_radiograph(path), cfg.preprocess_2d)
            image = torch.from_numpy(pre.pixels.astype("float32") / 255.0)[None]
            assert image.ndim == 3
            n += 1
    return n, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cxr", type=int, default=24)
    parser.add_argument("--ct", type=int, default=4)
    parser.add_argument("--size", type=int, default=512, help="synthetic radiograph size (raw DICOM)")
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root / "src", n_cxr=args.cxr, n_ct=args.ct, seed=0, cxr_size=args.size, workers=1)
        n_studies = args.cxr + args.ct
        rates = {}
        for workers in (1, 2):
            cfg = load_config(IngestConfig, DEMO, [f"workers={workers}", "preprocess_2d.size=224"])
            rates[workers] = ingest_rate(root / "src", root / f"out{workers}", cfg, n_studies)
            print(f"ingest  workers={workers}: {rates[workers]:.2f} studies/s")
        print(f"ingest  scaling 2 vs 1 workers: {rates[2] / rates[1]:.2f}x")
        cfg = load_config(IngestConfig, DEMO, ["preprocess_2d.size=224"])
        files = sorted((root / "src" / "cxr").rglob("*.dcm"))
        n_raw, t_raw = read_raw(files, cfg, args.epochs)
        n_shard, t_shard = read_shards(root / "out1", args.epochs)
        raw_rate, shard_rate = n_raw / t_raw, n_shard / t_shard
        print(f"read    raw DICOM decode+preprocess: {raw_rate:.1f} samples/s ({n_raw} samples)")
        print(f"read    shards (ShardDataset):       {shard_rate:.1f} samples/s ({n_shard} samples)")
        print(f"read    shards vs raw: {shard_rate / raw_rate:.1f}x (goal >= 10x)")


if __name__ == "__main__":
    main()
