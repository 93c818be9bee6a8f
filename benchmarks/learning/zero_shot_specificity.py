"""Why is zero-shot below the linear probe? Per-finding diagnosis of one exported model.

    python benchmarks/learning/zero_shot_specificity.py EXPORT {cxr,ct} --ingest DIR

Prints, on the ingest's test split: the mean |correlation| between the findings' zero-shot scores (near 1:
one shared abnormality score), the mean cosine between their text directions (affirmed minus negated
prompt embedding, first variant), and per finding the zero-shot AUROC (first variant) beside a logistic
regression on the *same* normalised image embeddings (train split, ``--probe-c``, default 100) and the
cosine between the text direction and that probe's direction. ``--term I`` rebuilds the prompts from only
the I-th prompt term of every finding (the shipped templates), to test whether wording matters;
``--report-style`` uses sentences worded like the training reports instead (the label-pair texts).
``--without-label-features`` zeroes a knowledge-enhanced tower's label projection (``text.params.label_features``),
so the prompts are read by the transformer alone. Used for benchmarks/RESULTS.md ("Session 3: ... what limits
zero-shot", "Session 10", "Session 12").
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from medvlp.evaluation.data import load_split
from medvlp.evaluation.labels import binarize_labels
from medvlp.evaluation.loaders import load_encoder
from medvlp.evaluation.prompts import knowledge_prompts, resolve_prompts
from medvlp.evaluation.specificity import score_correlation, text_direction_cosine
from medvlp.evaluation.zeroshot import class_embeddings, encode_images
from medvlp.knowledge.findings import CHEXPERT, CT
from medvlp.knowledge.kb import KnowledgeBase
from medvlp.knowledge.pair_texts import finding_pair_texts
from medvlp.knowledge.prompts import MODALITY_NOUNS, PAIR_TEMPLATES


def term_prompts(names: list[str], modality: str, index: int) -> dict[str, dict[str, list[str]]]:
    kb, image = KnowledgeBase.load(), MODALITY_NOUNS[modality]
    out = {}
    for name in names:
        entry = kb.entry(name)
        if entry.prompt_pairs:
            continue
        term = entry.prompt_terms[index % len(entry.prompt_terms)]
        bare = term.split(" ", 1)[1] if term.split(" ", 1)[0] in ("a", "an", "the") else term
        out[name] = {"positive": [p.format(image=image, term=term) for p, _ in PAIR_TEMPLATES],
                     "negative": [n.format(image=image, term=bare) for _, n in PAIR_TEMPLATES]}
    return out


def report_style_prompts(names: list[str]) -> dict[str, dict[str, list[str]]]:
    """Prompts worded like the training reports ("there is edema." / "there is no edema."): the
    knowledge-base pair texts. Against the shipped prompts this separates text-side transfer to unseen
    wording from what the image embedding carries."""
    pairs = finding_pair_texts(names)
    return {name: {"positive": list(pos), "negative": list(neg)}
            for name, pos, neg in zip(pairs.names, pairs.affirmed, pairs.negated, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export")
    parser.add_argument("which", choices=["cxr", "ct"])
    parser.add_argument("--ingest", required=True)
    parser.add_argument("--term", type=int, default=None)
    parser.add_argument("--report-style", action="store_true", help="prompts worded like training reports")
    # C = 1 (sessions 3-5) under-fits unit-norm 64-d embeddings (0.80 where C = 100 gives 0.83, session 10)
    parser.add_argument("--probe-c", type=float, default=100.0, help="inverse L2 strength of the probe")
    parser.add_argument("--without-label-features", action="store_true",
                        help="zero the text tower's label projection (prompts read by the transformer alone)")
    args = parser.parse_args()
    label_set, size = (CHEXPERT, [64, 64]) if args.which == "cxr" else (CT, [64, 64, 32])
    window = (40.0, 400.0) if args.which == "cxr" else (0.0, 2000.0)
    model = load_encoder(args.export)
    label_proj = getattr(getattr(model.backbone, "text", None), "label_proj", None)
    if args.without_label_features:
        if label_proj is None:
            parser.error("--without-label-features: this model's text tower reads no label features")
        with torch.no_grad():
            label_proj.weight.zero_()
    embeds, splits = {}, {}
    for split in ("train", "test"):
        splits[split] = load_split(args.ingest, split, image_size=size, window=window, label_set=label_set.name,
                                   spatial_dims=len(size))
        embeds[split] = F.normalize(encode_images(model, splits[split].images.split(64)).float(), dim=-1)
    test, x = splits["test"], embeds["test"]
    names, modality = test.label_names, "radiograph" if args.which == "cxr" else "ct"
    given = {**knowledge_prompts(names, "2d" if args.which == "cxr" else "3d"),
             **(term_prompts(names, modality, args.term) if args.term is not None else {}),
             **(report_style_prompts(names) if args.report_style else {})}
    classes = class_embeddings(model, resolve_prompts(names, given, label_set.sided))
    scores = torch.stack([x @ c[0, 1] - x @ c[0, 0] for c in classes], dim=1).numpy()
    y, valid = binarize_labels(test.labels)
    y_train, valid_train = binarize_labels(splits["train"].labels)
    print(f"score |corr| between findings {score_correlation(scores):.3f}; "
          f"text direction cosine {text_direction_cosine(classes):.3f}")
    aucs: list[tuple[float, float]] = []
    for k, name in enumerate(names):
        ok = valid[:, k]
        if y[ok, k].min() == y[ok, k].max():
            continue
        rows = valid_train[:, k]
        probe = LogisticRegression(C=args.probe_c, max_iter=5000).fit(embeds["train"].numpy()[rows], y_train[rows, k])
        direction = F.normalize(classes[k][0, 1] - classes[k][0, 0], dim=0)
        cos = float(direction @ F.normalize(torch.tensor(probe.coef_[0], dtype=torch.float32), dim=0))
        aucs.append((roc_auc_score(y[ok, k], scores[ok, k]),
                     roc_auc_score(y[ok, k], probe.decision_function(x.numpy()[ok]))))
        print(f"{name:28s} zero-shot {roc_auc_score(y[ok, k], scores[ok, k]):.3f}  "
              f"probe {roc_auc_score(y[ok, k], probe.decision_function(x.numpy()[ok])):.3f}  "
              f"cos(text, probe) {cos:+.2f}  positives {y[ok, k].mean():.2f}")
    zs, pr = np.mean(aucs, axis=0)
    print(f"macro: zero-shot {zs:.3f}  probe {pr:.3f} ({len(aucs)} findings)")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
