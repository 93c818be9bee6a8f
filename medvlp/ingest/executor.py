"""Run study tasks in-process, on a local process pool, or on Dask distributed.

Results are files in the cache, so the order in which workers finish never affects the output.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from medvlp.ingest.process import Context, run_and_cache
from medvlp.ingest.tasks import StudyTask

Job = tuple[StudyTask, str]  # (task, cache key)


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one study per core; intra-op threads would oversubscribe


def run_local(jobs: list[Job], ctx: Context, workers: int) -> Iterator[str]:
    """Yield cache paths as studies finish (serial when ``workers <= 1``)."""
    if workers <= 1:
        for task, key in jobs:
            yield run_and_cache(task, ctx, key)
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker) as pool:
        futures = [pool.submit(run_and_cache, task, ctx, key) for task, key in jobs]
        for future in as_completed(futures):
            yield future.result()


def run_dask(jobs: list[Job], ctx: Context, client: Any) -> Iterator[str]:
    """The same per-study function on a Dask cluster (LocalCluster, or dask-jobqueue on Slurm/PBS)."""
    from distributed import as_completed as dask_completed

    if not jobs:
        return
    futures = client.map(run_and_cache, [t for t, _ in jobs], [ctx] * len(jobs), [k for _, k in jobs],
                         pure=False)
    for future in dask_completed(futures):
        yield future.result()
