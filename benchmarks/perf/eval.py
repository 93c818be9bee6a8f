"""Evaluation throughput: feature extraction (images/s, volumes/s) and zero-shot with cached text
embeddings vs re-encoding the prompts for every batch (the naive peer). Prints figures and ratios.

    OMP_NUM_THREADS=2 HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/perf/eval.py --n-images 64 --n-volumes 8

Models: medvlp's ``cxr_tiny`` (timm test_resnet + tiny BERT) and ``ct_resnet3d_tiny``, randomly
initialised (throughput does not depend on weights). Falls back to the toy encoder if unavailable.
"""

from __future__ import annotations

import argparse

import torch
from timing import best_seconds  # benchmarks/perf/timing.py (the script's own directory)

from medvlp.evaluation.encoders import EvalEncoder
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.prompts import knowledge_prompts, resolve_prompts
from medvlp.evaluation.zeroshot import (
    TextEmbeddingCache,
    class_embeddings,
    encode_images,
    scores_from_embeddings,
)
from medvlp.knowledge.findings import CHEXPERT


def timed(fn, repeats: int = 1) -> float:
    """Best wall time of ``repeats`` calls, seconds (no warm-up call)."""
    return best_seconds(fn, repeats, warmup=False)


def zero_shot_cached(model: EvalEncoder, batches: list[torch.Tensor], prompts: list) -> torch.Tensor:
    cache = TextEmbeddingCache()
    out = []
    for batch in batches:
        embeds = class_embeddings(model, prompts, cache)  # computed on the first batch only
        out.append(scores_from_embeddings(encode_images(model, [batch]), embeds, model.logit_scale))
    return torch.cat(out)


def zero_shot_reencode(model: EvalEncoder, batches: list[torch.Tensor], prompts: list) -> torch.Tensor:
    out = []
    for batch in batches:
        embeds = class_embeddings(model, prompts, TextEmbeddingCache())  # fresh cache: re-encode prompts
        out.append(scores_from_embeddings(encode_images(model, [batch]), embeds, model.logit_scale))
    return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-images", type=int, default=64)
    parser.add_argument("--n-volumes", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--model-2d", default="cxr_tiny")
    parser.add_argument("--model-3d", default="ct_resnet3d_tiny")
    args = parser.parse_args()
    gen = torch.Generator().manual_seed(0)
    model = load_encoder(args.model_2d)
    images = torch.rand(args.n_images, 1, 128, 128, generator=gen)
    batches = list(images.split(args.batch_size))
    t = timed(lambda: encode_images(model, batches), 2)
    print(f"2D feature extraction ({args.model_2d}): {args.n_images / t:.1f} images/s")

    findings = list(CHEXPERT.labels)
    prompts = resolve_prompts(findings, knowledge_prompts(findings, "2d"), CHEXPERT.sided)
    n_prompts = sum(len(v.positive) + len(v.negative) for p in prompts for v in p.variants.values())
    cached = timed(lambda: zero_shot_cached(model, batches, prompts), 2)
    naive = timed(lambda: zero_shot_reencode(model, batches, prompts), 2)
    same = torch.allclose(zero_shot_cached(model, batches, prompts), zero_shot_reencode(model, batches, prompts))
    print(f"zero-shot, {len(findings)} findings / {n_prompts} prompts, batch {args.batch_size}:")
    print(f"  cached text embeddings : {args.n_images / cached:.1f} images/s")
    print(f"  re-encode per batch    : {args.n_images / naive:.1f} images/s")
    print(f"  speed-up (cached / re-encode): {naive / cached:.2f}x  (identical scores: {same})")

    model3d = load_encoder(args.model_3d)
    volumes = torch.rand(args.n_volumes, 1, 64, 64, 32, generator=gen)
    t3 = timed(lambda: encode_images(model3d, list(volumes.split(4))), 2)
    print(f"3D feature extraction ({args.model_3d}, 64x64x32): {args.n_volumes / t3:.2f} volumes/s")


if __name__ == "__main__":
    main()
