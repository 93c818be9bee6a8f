"""Can the text side learn per-finding directions at all? The pair readout trained on frozen image embeddings.

    python benchmarks/learning/pair_readout.py EXPORT --ingest DIR [--readout tower|fresh-cls|fresh-mean|free]
        [--scale 10] [--lr 1e-3] [--steps 600]

The exported model's image embeddings of the ingest's train split are computed once and frozen. Then only
the readout is trained, for ``--steps`` steps of 32 images, with the balanced label-pair loss of
:mod:`medvlp.objectives.finding_pairs` (affirmed vs negated report-style sentence of every finding, labels
from the report labeler; learnable scale from ``--scale``): ``tower`` = the model's own text tower and
projection, ``fresh-cls`` / ``fresh-mean`` = a newly initialised tiny text tower (CLS / mean pooling) with the
model's tokenizer, ``free`` = one free vector per finding and polarity (an upper bound for any text tower on
these image embeddings). Every 100 steps it prints the zero-shot macro AUROC on the test split with those
report-style pairs and the findings' mean score |correlation|, and (text-tower readouts) with the shipped
prompts, scored as the benchmark does. CXR only. Used for benchmarks/RESULTS.md
("Session 11").
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score

from medvlp import keys
from medvlp.evaluation.data import load_split
from medvlp.evaluation.labels import binarize_labels
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.prompts import knowledge_prompts, resolve_prompts
from medvlp.evaluation.zeroshot import (
    as_eval_encoder,
    class_embeddings,
    encode_images,
    scores_from_embeddings,
)
from medvlp.knowledge.findings import CHEXPERT
from medvlp.knowledge.pair_texts import finding_pair_texts
from medvlp.models import create_model, load_pretrained
from medvlp.objectives.finding_pairs import FindingPairLoss


def _readout(kind: str, export: str, texts: list[str], findings: int, variants: int):  # type: ignore[no-untyped-def]
    """-> (parameters, function giving the normalised class embeddings ``[K, 2, D]``, module or None)."""
    model = load_pretrained(export)
    if kind == "free":
        free = torch.nn.Parameter(0.1 * torch.randn(findings, 2, model.config.embed_dim))
        return [free], lambda: F.normalize(free, dim=-1), None
    if kind.startswith("fresh"):
        pooling = kind.split("-")[1]
        model = create_model(model.config.name, tokenizer=model.tokenizer,
                             **{"text.params.max_length": 128, "text.params.pooling": pooling})
    tokens = model.text.tokenize(texts)

    def classes() -> torch.Tensor:
        out = model.text(tokens["input_ids"], tokens["attention_mask"], tokens.get(keys.LABEL_FEATURES)).pooled
        embeds = F.normalize(model.text_proj(out), dim=-1).reshape(findings, 2, variants, -1)
        return F.normalize(embeds.mean(2), dim=-1)

    return [*model.text.parameters(), *model.text_proj.parameters()], classes, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("--ingest", required=True)
    parser.add_argument("--readout", choices=["tower", "fresh-cls", "fresh-mean", "free"], default="tower")
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    encoder = load_encoder(args.export)
    embeds, labels = {}, {}
    for split in ("train", "test"):
        data = load_split(args.ingest, split, image_size=[64, 64], window=(40.0, 400.0), label_set="chexpert",
                          spatial_dims=2)
        with torch.no_grad():
            embeds[split] = F.normalize(encode_images(encoder, data.images.split(64)).float(), dim=-1)
        labels[split], names = data.labels, data.label_names
    pairs = finding_pair_texts(names)
    index = torch.tensor([names.index(n) for n in pairs.names])
    params, classes, module = _readout(args.readout, args.export, pairs.flat(), len(pairs.names), pairs.variants)
    loss_fn = FindingPairLoss(init_scale=args.scale, balance=True)
    optimizer = torch.optim.AdamW([*params, loss_fn.log_scale], lr=args.lr, weight_decay=0.01)
    y_test, known_test = binarize_labels(labels["test"])
    rng = np.random.default_rng(args.seed)

    def macro(scores: np.ndarray, columns: list[int]) -> float:
        return float(np.mean([roc_auc_score(y_test[known_test[:, j], j], scores[known_test[:, j], k])
                              for k, j in enumerate(columns) if len(set(y_test[known_test[:, j], j])) == 2]))

    def evaluate() -> str:
        if module is not None:
            module.eval()
        with torch.no_grad():
            c = classes()
            scores = (embeds["test"] @ (c[:, 0] - c[:, 1]).T).numpy()
            shipped = ""
            if module is not None:
                prompts = resolve_prompts(names, knowledge_prompts(names, "2d"), CHEXPERT.sided)
                probs = scores_from_embeddings(embeds["test"], class_embeddings(as_eval_encoder(module), prompts), 1.0)
                shipped = f"; shipped prompts {macro(probs.numpy(), list(range(len(names)))):.3f}"
        if module is not None:
            module.train()
        corr = float(np.mean(np.abs(np.corrcoef(scores.T)[np.triu_indices(len(index), 1)])))
        return f"zero-shot (report-style pairs) {macro(scores, index.tolist()):.3f} |r| {corr:.3f}{shipped}"

    print(f"{args.readout}: step 0 {evaluate()}", flush=True)
    for step in range(1, args.steps + 1):
        rows = torch.as_tensor(rng.choice(len(embeds["train"]), 32, replace=False))
        outputs = {keys.IMAGE_EMBEDS: embeds["train"][rows], keys.FINDING_PAIR_EMBEDS: classes(),
                   keys.FINDING_PAIR_INDEX: index}
        loss = loss_fn(outputs, {keys.LABELS: labels["train"][rows.numpy()]})["loss"]
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            scale = math.exp(loss_fn.log_scale.item())
            print(f"step {step} loss {loss.item():.3f} scale {scale:.1f} {evaluate()}", flush=True)


if __name__ == "__main__":
    main()
