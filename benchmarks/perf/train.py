"""Training performance: Lightning path vs a bare PyTorch loop, and chunked vs naive contrastive loss.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python benchmarks/perf/train.py [--steps 30] [--model cxr_tiny]``

1. Step time of :class:`ContrastivePretrainModule` under ``lightning.Trainer`` vs a hand-written
   loop doing the same work (same model, same in-memory batches, AdamW + warmup-cosine, clipping,
   InfoNCE). Goal: ratio <= 1.05. The Lightning path computes its monitors (retrieval accuracy,
   RankMe) only on logging steps (every 50 by default), so the steady-state step is compared.
2. Peak memory of the chunked InfoNCE vs the naive one (forward + backward) at batch 1,024 and
   4,096, embedding dim 512, each measured in a fresh subprocess (peak RSS above the baseline,
   Linux ``/proc/self/status``), plus a check that both give the same gradients. Goal: <= 1/4 at 4,096.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import torch
import torch.nn.functional as F

from medvlp import keys

D_EMBED = 512


# --------------------------------------------------------------------------- memory (subprocess)
def _status_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _embeddings(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    image = F.normalize(torch.randn(n, D_EMBED, generator=gen), dim=1).requires_grad_()
    text = F.normalize(torch.randn(n, D_EMBED, generator=gen), dim=1).requires_grad_()
    return image, text, torch.tensor(14.3, requires_grad=True)


def _loss(kind: str, image: torch.Tensor, text: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    from medvlp.objectives import ChunkedInfoNCELoss, InfoNCELoss

    loss_fn = ChunkedInfoNCELoss(chunk=256) if kind == "chunked" else InfoNCELoss()
    return loss_fn({keys.IMAGE_EMBEDS: image, keys.TEXT_EMBEDS: text, keys.LOGIT_SCALE: scale}, {})["loss"]


def measure_peak(kind: str, n: int) -> None:
    """(child process) print the peak RSS increase in MiB of one forward + backward."""
    image, text, scale = _embeddings(n)
    _loss(kind, *_embeddings(8))  # import/warm-up outside the measured region
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # reset the peak-RSS counter (VmHWM) to the current RSS
    base = _status_kib("VmRSS")
    _loss(kind, image, text, scale).backward()
    print((_status_kib("VmHWM") - base) / 1024)


def peak_mib(kind: str, n: int) -> float:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(n)], check=True,
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return float(out.stdout.strip().splitlines()[-1])


def gradients_match(n: int) -> float:
    """Max abs difference between the chunked and naive gradients (float32)."""
    grads = {}
    for kind in ("naive", "chunked"):
        image, text, scale = _embeddings(n)
        _loss(kind, image, text, scale).backward()
        grads[kind] = (image.grad, text.grad, scale.grad)
    return max(float((a - b).abs().max()) for a, b in zip(grads["naive"], grads["chunked"]))


# --------------------------------------------------------------------------- step time
def _batches(model: Any, n: int, batch: int, seed: int = 0) -> list[dict[str, Any]]:
    gen = torch.Generator().manual_seed(seed)
    size = tuple(model.config.vision.image_size)
    texts = ["small left pleural effusion", "the lungs are clear", "mild pulmonary edema and cardiomegaly"]
    out = []
    for i in range(n):
        reports = [texts[(i + j) % 3] for j in range(batch)]
        tokens = model.tokenizer(reports, padding=True, truncation=True, max_length=64, return_tensors="pt")
        out.append({keys.IMAGE: torch.rand(batch, 1, *size[:2], generator=gen), keys.INPUT_IDS: tokens["input_ids"],
                    keys.ATTENTION_MASK: tokens["attention_mask"]})
    return out


def bare_loop(model: Any, batches: list[dict[str, Any]]) -> list[float]:
    from medvlp.objectives import InfoNCELoss
    from medvlp.training.config import OptimSection
    from medvlp.training.optim import parameter_groups, warmup_cosine

    cfg, loss_fn = OptimSection(warmup_steps=5), InfoNCELoss()
    optimizer = torch.optim.AdamW(parameter_groups([model, loss_fn], cfg.weight_decay), lr=cfg.lr,
                                  betas=cfg.betas, eps=cfg.eps)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: warmup_cosine(s, 5, len(batches)))
    model.train()
    times = []
    loader = torch.utils.data.DataLoader(batches, batch_size=None, shuffle=False)  # as Lightning gets it
    start = time.perf_counter()
    for batch in loader:
        outputs = model(batch)
        loss = loss_fn(outputs, batch)["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        float(loss.detach())  # Lightning also syncs the loss to the host for logging
        now = time.perf_counter()
        times.append(now - start)  # batch start to batch start, fetch included, as for Lightning
        start = now
    return times


def lightning_loop(model: Any, batches: list[dict[str, Any]]) -> list[float]:
    import lightning as L

    from medvlp.objectives import CombinedObjective, InfoNCELoss
    from medvlp.training import ContrastivePretrainModule, OptimSection

    class StepTimer(L.Callback):
        """Time between consecutive batch starts: the whole loop (fetch, hooks, logging) is counted."""

        def __init__(self) -> None:
            self.starts: list[float] = []

        def on_train_batch_start(self, *args: Any) -> None:
            self.starts.append(time.perf_counter())

        def on_train_end(self, *args: Any) -> None:
            self.starts.append(time.perf_counter())

        @property
        def times(self) -> list[float]:
            return [b - a for a, b in zip(self.starts, self.starts[1:])]

    module = ContrastivePretrainModule(model, CombinedObjective({"infonce": InfoNCELoss()}, {"infonce": 1.0}),
                                       OptimSection(warmup_steps=5), total_steps=len(batches))
    timer = StepTimer()
    trainer = L.Trainer(max_steps=len(batches), accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, gradient_clip_val=1.0,
                        callbacks=[timer], num_sanity_val_steps=0)
    loader = torch.utils.data.DataLoader(batches, batch_size=None, shuffle=False)
    trainer.fit(module, train_dataloaders=loader)
    return timer.times


def step_times(model_name: str, steps: int, batch: int) -> None:
    from medvlp.models import create_model

    warm = 3
    results = {}
    for label in ("bare", "lightning"):
        torch.manual_seed(0)
        model = create_model(model_name)
        batches = _batches(model, steps + warm, batch)
        if label == "lightning":
            times = lightning_loop(model, batches)
        else:
            times = bare_loop(model, batches)
        results[label] = statistics.median(times[warm:])
        print(f"  {label:13s} median step {1000 * results[label]:8.2f} ms")
    print(f"  ratio lightning / bare = {results['lightning'] / results['bare']:.3f}  (goal <= 1.05)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--model", default="cxr_tiny")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 4096])
    parser.add_argument("--skip-steps", action="store_true")
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure_peak(args.measure[0], int(args.measure[1]))
        return
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    if not args.skip_steps:
        print(f"[step time] model={args.model} batch={args.batch} steps={args.steps} (median after warm-up)")
        step_times(args.model, args.steps, args.batch)
    print(f"[peak memory] InfoNCE forward+backward, dim {D_EMBED}, chunk 256 (peak RSS above baseline)")
    for n in args.sizes:
        naive, chunked = peak_mib("naive", n), peak_mib("chunked", n)
        print(f"  batch {n:5d}: naive {naive:8.1f} MiB  chunked {chunked:8.1f} MiB  ratio {chunked / naive:.3f}"
              f"  max|grad diff| {gradients_match(n):.2e}")


if __name__ == "__main__":
    main()
