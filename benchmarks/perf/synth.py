"""Synthetic-data generation speed: studies/s with the process pool vs a naive single-worker run.

Target: 2,000 radiograph studies (256 px) + 200 CT studies (96x96x48) in under 3 minutes on 2 cores.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/synth.py --n-cxr 2000 --n-ct 200
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/synth.py --n-cxr 400 --n-ct 40   # brief
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from medvlp.data.synthetic import generate


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished worker processes."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_run(out: Path, n_cxr: int, n_ct: int, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to generate the dataset (folder removed afterwards)."""
    start, cpu = time.perf_counter(), _cpu_seconds()
    generate(out, n_cxr=n_cxr, n_ct=n_ct, seed=0, workers=workers)
    elapsed, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    shutil.rmtree(out)
    return elapsed, cpu


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-cxr", type=int, default=2000)
    p.add_argument("--n-ct", type=int, default=200)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--naive-fraction", type=float, default=0.1, help="share of the studies for the 1-worker run")
    args = p.parse_args()
    root = Path(tempfile.mkdtemp(prefix="medvlp-synth-bench-"))
    n = args.n_cxr + args.n_ct
    pooled, pooled_cpu = timed_run(root / "pool", args.n_cxr, args.n_ct, args.workers)
    k_cxr, k_ct = max(1, int(args.n_cxr * args.naive_fraction)), max(1, int(args.n_ct * args.naive_fraction))
    naive, naive_cpu = timed_run(root / "naive", k_cxr, k_ct, 1)
    rate_pool, rate_naive = n / pooled, (k_cxr + k_ct) / naive
    print(f"pool ({args.workers} workers): {args.n_cxr} cxr + {args.n_ct} ct in {pooled:.1f} s = {rate_pool:.1f} studies/s")
    print(f"naive (1 worker): {k_cxr} cxr + {k_ct} ct in {naive:.1f} s = {rate_naive:.1f} studies/s")
    print(f"speed-up ratio pool/naive: {rate_pool / rate_naive:.2f}x")
    scale = 2200 / n
    print(f"projected 2000 cxr + 200 ct with the pool: {pooled * scale:.0f} s wall (target < 180 s)")
    # On a shared machine wall time depends on other load; CPU time / workers is the idle-machine figure.
    print(f"CPU: pool {pooled_cpu:.1f} s, naive {naive_cpu:.1f} s; idle-machine projection "
          f"{pooled_cpu * scale / args.workers:.0f} s with {args.workers} workers; load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
