"""Retrieval metrics on hand-built embeddings with known rankings."""

from __future__ import annotations

import pytest
import torch

from medvlp.evaluation.retrieval import bidirectional_recall, class_retrieval, recall_at_k


def test_recall_at_k_known_ranks() -> None:
    # gallery items are unit axes; query i is closest to axis perm[i]
    gallery = torch.eye(4)
    queries = torch.tensor([[1.0, 0.1, 0, 0], [0.9, 1.0, 0, 0], [0, 0, 0.2, 1.0], [0, 0, 1.0, 0.5]])
    ids_q = ["a", "b", "c", "d"]
    ids_g = ["a", "b", "c", "d"]
    # query a: top1 a (hit); b: top1 b (hit); c: top1 d, then c (hit@2); d: top1 c, then d (hit@2)
    r = recall_at_k(queries, gallery, ids_q, ids_g, ks=(1, 2))
    assert r == {1: 0.5, 2: 1.0}


def test_multi_view_images_match_their_study_report() -> None:
    images = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    reports = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    out = bidirectional_recall(images, reports, ["s1", "s1", "s2"], ["s1", "s2"], ks=(1,))
    assert out["image_to_text_R@1"] == 1.0 and out["text_to_image_R@1"] == 1.0


def test_class_level_hit_and_precision() -> None:
    queries = torch.tensor([[1.0, 0.0]])
    gallery = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    out = class_retrieval(queries, gallery, ["x"], ["y", "x", "x"], ks=(1, 2, 3))
    assert out["Hit@1"] == 0.0 and out["Hit@2"] == 1.0
    assert out["Precision@2"] == pytest.approx(0.5) and out["Precision@3"] == pytest.approx(2 / 3)
