from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import KnowledgeAlignmentLoss, LocalAlignmentLoss, SoftTargetLoss

NAN = float("nan")


def _local_outputs(seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    regions = torch.randn(3, 4, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    tokens = torch.randn(3, 6, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    mask = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 0, 0, 0, 0]], dtype=torch.bool)
    return {keys.IMAGE_TOKENS: regions, keys.TEXT_TOKENS: tokens, keys.TEXT_TOKEN_MASK: mask,
            keys.LOGIT_SCALE: torch.tensor(4.0, dtype=torch.float64)}


def test_local_alignment_matches_explicit_loops() -> None:
    out = _local_outputs()
    got = LocalAlignmentLoss()(out, {})["loss"]
    r = F.normalize(out[keys.IMAGE_TOKENS], dim=-1)
    t = F.normalize(out[keys.TEXT_TOKENS], dim=-1)
    mask = out[keys.TEXT_TOKEN_MASK]
    i2t = torch.zeros(3, 3, dtype=torch.float64)
    t2i = torch.zeros(3, 3, dtype=torch.float64)
    for i in range(3):
        for j in range(3):
            words = t[j][mask[j]]  # [Lj, D]
            sims = r[i] @ words.T  # [N, Lj]
            i2t[i, j] = sims.max(dim=1).values.mean()
            t2i[j, i] = sims.max(dim=0).values.mean()
    target = torch.arange(3)
    expected = (F.cross_entropy(4 * i2t, target) + F.cross_entropy(4 * t2i, target)) / 2
    assert torch.allclose(got, expected)


def test_local_alignment_ignores_padding_and_all_padding_is_finite() -> None:
    out = _local_outputs()
    changed = out[keys.TEXT_TOKENS].detach().clone()
    changed[0, 3:] = 100.0  # padded positions of report 0
    loss_fn = LocalAlignmentLoss()
    assert torch.allclose(loss_fn({**out, keys.TEXT_TOKENS: changed}, {})["loss"], loss_fn(out, {})["loss"])
    empty = out[keys.TEXT_TOKEN_MASK].clone()
    empty[2] = False
    loss = loss_fn({**out, keys.TEXT_TOKEN_MASK: empty}, {})["loss"]
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(out[keys.IMAGE_TOKENS].grad).all() and torch.isfinite(out[keys.TEXT_TOKENS].grad).all()


def test_soft_targets_match_direct_computation(make_outputs: Callable) -> None:
    out = make_outputs(batch=4)
    labels = torch.tensor([[1, 0, NAN], [1, NAN, 0], [0, 0, 0], [NAN, NAN, NAN]])
    got = SoftTargetLoss()(out, {keys.LABELS: labels})["loss"]
    # label vectors (positives + "normal" slot) written out by hand
    vec = torch.tensor([[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1]], dtype=torch.float64)
    sim = F.normalize(vec, dim=1) @ F.normalize(vec, dim=1).T
    sim[3] = torch.tensor([0, 0, 0, 1.0])  # sample 3 states nothing: one-hot target
    sim[:, 3] = torch.tensor([0, 0, 0, 1.0])
    targets = sim / sim.sum(1, keepdim=True)
    logits = out[keys.LOGIT_SCALE] * out[keys.IMAGE_EMBEDS] @ out[keys.TEXT_EMBEDS].T
    i2t = -(targets * logits.log_softmax(1)).sum(1).mean()
    col = targets.T / targets.T.sum(1, keepdim=True)
    t2i = -(col * logits.T.log_softmax(1)).sum(1).mean()
    assert torch.allclose(got, (i2t + t2i) / 2)


def test_soft_targets_do_not_push_apart_agreeing_pairs() -> None:
    # text = identity, so image rows are the logits / scale; all-equal logits: InfoNCE would push
    # the off-diagonal pair apart (positive gradient on it)
    eye = torch.eye(2, dtype=torch.float64)
    agree = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    differ = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    for labels, pushed in ((agree, False), (differ, True)):
        image = torch.zeros(2, 2, dtype=torch.float64, requires_grad=True)
        out = {keys.IMAGE_EMBEDS: image, keys.TEXT_EMBEDS: eye, keys.LOGIT_SCALE: torch.tensor(5.0)}
        SoftTargetLoss()(out, {keys.LABELS: labels})["loss"].backward()
        assert (float(image.grad[0, 1]) > 1e-6) == pushed


@pytest.mark.parametrize("unmentioned", ["negative", "ignore"])
def test_knowledge_bce_matches_masked_formula(make_outputs: Callable, unmentioned: str) -> None:
    out = make_outputs(batch=3, dim=8)
    entities = F.normalize(torch.randn(4, 8, generator=torch.Generator().manual_seed(3), dtype=torch.float64), dim=1)
    labels = torch.tensor([[1, 0, NAN, -1], [0, 0, 1, NAN], [NAN, NAN, NAN, NAN]])
    loss_fn = KnowledgeAlignmentLoss(init_scale=10.0, init_bias=-1.0, unmentioned=unmentioned).double()
    got = loss_fn({**out, keys.ENTITY_EMBEDS: entities}, {keys.LABELS: labels})["loss"]
    total, count = 0.0, 0
    for i in range(3):
        for k in range(4):
            y = float(labels[i, k])
            if math.isnan(y) and i < 2 and unmentioned == "negative":  # rows 0-1 are labelled reports
                y = 0.0
            if y in (0.0, 1.0):
                z = 10.0 * float(out[keys.IMAGE_EMBEDS][i].detach() @ entities[k]) - 1.0
                p = 1 / (1 + math.exp(-z))
                total += -(y * math.log(p) + (1 - y) * math.log(1 - p))
                count += 1
    assert count == (7 if unmentioned == "negative" else 5)
    assert math.isclose(float(got.detach()), total / count, rel_tol=1e-6)


def test_knowledge_softmax_mode_is_finite_without_positives(make_outputs: Callable) -> None:
    out = make_outputs(batch=2, dim=8)
    entities = torch.randn(3, 8, dtype=torch.float64)
    loss_fn = KnowledgeAlignmentLoss(mode="softmax").double()
    labels = torch.full((2, 3), NAN)
    loss = loss_fn({**out, keys.ENTITY_EMBEDS: entities}, {keys.LABELS: labels})["loss"]
    assert torch.isfinite(loss) and float(loss) == 0.0
    labels = torch.tensor([[1.0, 1.0, 0.0], [NAN, NAN, NAN]])
    loss = loss_fn({**out, keys.ENTITY_EMBEDS: entities}, {keys.LABELS: labels})["loss"]
    logits = loss_fn.log_scale.exp() * out[keys.IMAGE_EMBEDS][0] @ F.normalize(entities, dim=1).T + loss_fn.bias
    expected = -(logits.log_softmax(0)[:2]).mean()
    assert torch.allclose(loss, expected)
