"""Which shipped prompt template fails? Zero-shot AUROC of each template pair alone, per finding.

    python benchmarks/learning/prompt_templates.py EXPORT --ingest DIR

Scores the ingest's CXR test split with one (positive, negative) template pair of the knowledge-base
prompts at a time (first variant of sided findings), then with their mean embeddings (close to the
benchmark's zero-shot). A template whose positive and negative differ in words the training reports never
use shows up as one low column. Then, for sided findings, each variant (any side, left, right) alone and the
benchmark's max over them, so a variant that drags the max down shows. Used for benchmarks/RESULTS.md
("Session 5", "Session 9").
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from medvlp.evaluation.data import load_split
from medvlp.evaluation.labels import binarize_labels
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.prompts import knowledge_prompts
from medvlp.evaluation.zeroshot import encode_images, prompt_pair_embeddings, scores_from_embeddings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("--ingest", required=True)
    args = parser.parse_args()
    model = load_encoder(args.export)
    test = load_split(args.ingest, "test", image_size=[64, 64], window=(40.0, 400.0), label_set="chexpert",
                      spatial_dims=2)
    x = F.normalize(encode_images(model, test.images.split(64)).float(), dim=-1)  # [N, D]
    y, valid = binarize_labels(test.labels)
    prompts = knowledge_prompts(test.label_names, "2d")

    def embed(texts: tuple[str, ...]) -> torch.Tensor:
        with torch.no_grad():
            return F.normalize(model.encode_text(list(texts)).float(), dim=-1)  # [T, D]

    rows = []
    for k, name in enumerate(test.label_names):
        variant = next(iter(prompts[name].variants.values()))
        pos, neg, ok = embed(variant.positive), embed(variant.negative), valid[:, k]
        pairs = [(pos[t], neg[t]) for t in range(len(pos))] + [(pos.mean(0), neg.mean(0))]
        rows.append([roc_auc_score(y[ok, k], (x @ F.normalize(p, dim=0) - x @ F.normalize(n, dim=0)).numpy()[ok])
                     for p, n in pairs])
        print(f"{name:28s}", " ".join(f"{a:.3f}" for a in rows[-1]))
    print(f"{'macro (templates..., mean)':28s}", " ".join(f"{a:.3f}" for a in np.mean(rows, axis=0)))
    print("sided findings, mean-embedding score per variant, then the max over variants (as the benchmark):")
    for k, name in enumerate(test.label_names):
        if name not in prompts or len(prompts[name].variants) < 2:
            continue
        variants = prompts[name].variants
        ok = valid[:, k]
        pairs = [prompt_pair_embeddings(model, v.positive, v.negative) for v in variants.values()]  # [2, D] each
        scale = float(model.logit_scale)
        scores = [scores_from_embeddings(x, [p[None]], scale)[:, 0] for p in pairs]
        scores.append(scores_from_embeddings(x, [torch.stack(pairs)], scale)[:, 0])  # the benchmark's max
        aurocs = [roc_auc_score(y[ok, k], sc.numpy()[ok]) for sc in scores]
        print(f"{name:28s}", " ".join(f"{v}={a:.3f}" for v, a in zip([*variants, "max"], aurocs, strict=True)))


if __name__ == "__main__":
    main()
