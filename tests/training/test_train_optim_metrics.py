from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from medvlp.training.metrics import rankme, retrieval_top1
from medvlp.training.optim import parameter_groups, warmup_cosine


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)
        self.norm = nn.LayerNorm(4)
        self.bn = nn.BatchNorm1d(4)
        self.logit_scale = nn.Parameter(torch.tensor(1.0))
        self.frozen = nn.Linear(4, 4)
        self.frozen.requires_grad_(False)


def test_parameter_groups_exclude_norms_biases_and_temperature_from_decay() -> None:
    net = _Net()
    decay, no_decay = parameter_groups([net], weight_decay=0.1)
    assert decay["weight_decay"] == 0.1 and no_decay["weight_decay"] == 0.0
    assert [id(p) for p in decay["params"]] == [id(net.linear.weight)]
    expected = {id(p) for p in (net.linear.bias, net.norm.weight, net.norm.bias, net.bn.weight, net.bn.bias,
                                net.logit_scale)}
    assert {id(p) for p in no_decay["params"]} == expected


def test_warmup_then_cosine_to_floor() -> None:
    values = [warmup_cosine(s, warmup_steps=10, total_steps=110, min_ratio=0.1) for s in range(111)]
    assert values[0] == pytest.approx(0.1) and values[9] == pytest.approx(1.0)
    assert all(a <= b for a, b in itertools.pairwise(values[:10]))
    assert all(a >= b for a, b in itertools.pairwise(values[10:]))
    assert values[60] == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert values[110] == pytest.approx(0.1)


def test_retrieval_top1_counts_correct_matches() -> None:
    image = torch.eye(3)
    text = torch.tensor([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0]])  # pairs 1 and 2 swapped
    i2t, t2i = retrieval_top1(image, text)
    assert float(i2t) == pytest.approx(1 / 3) and float(t2i) == pytest.approx(1 / 3)
    i2t, t2i = retrieval_top1(image, image)
    assert float(i2t) == 1.0 and float(t2i) == 1.0


def test_rankme_detects_collapse() -> None:
    full = torch.linalg.qr(torch.randn(8, 8, generator=torch.Generator().manual_seed(0)))[0]
    assert float(rankme(full)) == pytest.approx(8.0, rel=1e-3)
    collapsed = torch.ones(8, 1) @ torch.randn(1, 8)
    assert float(rankme(collapsed)) == pytest.approx(1.0, abs=1e-3)
