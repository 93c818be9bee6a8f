from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import LOSSES, InfoNCELoss, SigLIPLoss


def test_infonce_matches_cross_entropy_over_full_matrix(make_outputs: Callable) -> None:
    out = make_outputs()
    u, v, s = out[keys.IMAGE_EMBEDS], out[keys.TEXT_EMBEDS], out[keys.LOGIT_SCALE]
    logits = s * u @ v.T
    target = torch.arange(u.shape[0])
    expected = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    got = InfoNCELoss()(out, {})
    assert torch.allclose(got["loss"], expected)
    assert torch.allclose(got["i2t"], F.cross_entropy(logits, target))


def test_infonce_clamps_logit_scale_and_still_trains_it(make_outputs: Callable) -> None:
    out = make_outputs(scale=1000.0)
    capped = InfoNCELoss(max_logit_scale=100.0)(out, {})["loss"]
    out2 = {**out, keys.LOGIT_SCALE: torch.tensor(100.0, dtype=torch.float64)}
    assert torch.allclose(capped, InfoNCELoss()(out2, {})["loss"])
    small = make_outputs(scale=2.0)
    InfoNCELoss()(small, {})["loss"].backward()
    assert small[keys.LOGIT_SCALE].grad is not None and small[keys.LOGIT_SCALE].grad != 0


def test_infonce_registered_under_clip_alias() -> None:
    assert isinstance(LOSSES.create("clip"), InfoNCELoss)


def test_siglip_matches_explicit_double_loop(make_outputs: Callable) -> None:
    out = make_outputs(batch=4)
    loss_fn = SigLIPLoss(init_bias=-3.0)
    got = loss_fn(out, {})["loss"]
    u, v, s = out[keys.IMAGE_EMBEDS], out[keys.TEXT_EMBEDS], out[keys.LOGIT_SCALE]
    total = 0.0
    for i in range(4):
        for j in range(4):
            z = 1.0 if i == j else -1.0
            logit = float(s.detach()) * float(u[i].detach() @ v[j].detach()) - 3.0
            total += -math.log(1 / (1 + math.exp(-z * logit)))
    assert math.isclose(float(got.detach()), total / 4, rel_tol=1e-9)


def test_siglip_bias_is_learnable_and_model_bias_wins(make_outputs: Callable) -> None:
    out = make_outputs(batch=4)
    loss_fn = SigLIPLoss()
    loss_fn(out, {})["loss"].backward()
    assert loss_fn.bias.grad is not None and float(loss_fn.bias.grad) != 0
    with_bias = {**out, keys.LOGIT_BIAS: torch.tensor(0.0, dtype=torch.float64)}
    assert not torch.allclose(loss_fn(with_bias, {})["loss"], loss_fn(out, {})["loss"])
