"""supervised_bce: masked multi-label BCE on a linear head, against a direct per-element reference."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import LOSSES, SupervisedBCELoss


def _target(labels: torch.Tensor, i: int, k: int, unmentioned: str) -> float | None:
    """The reference policy: unmentioned is negative in a row with any stated label; -1 is left out."""
    y = float(labels[i, k])
    if math.isnan(y):
        labelled = any(not math.isnan(float(v)) for v in labels[i])
        return 0.0 if unmentioned == "negative" and labelled else None
    return y if y in (0.0, 1.0) else None


@pytest.mark.parametrize("unmentioned", ["negative", "ignore"])
def test_matches_direct_masked_bce(unmentioned: str) -> None:
    torch.manual_seed(0)
    loss_fn = LOSSES.create("supervised_bce", embed_dim=4, n_labels=3, unmentioned=unmentioned)
    image = F.normalize(torch.randn(5, 4), dim=-1)
    labels = torch.tensor([[1, 0, float("nan")], [0, -1, 1], [1, 1, 0], [float("nan")] * 3, [0, 0, -1]])
    out = loss_fn({keys.IMAGE_EMBEDS: image}, {keys.LABELS: labels})
    w, b = loss_fn.head.weight.detach(), loss_fn.head.bias.detach()
    terms = []
    for i in range(5):
        for k in range(3):
            y = _target(labels, i, k, unmentioned)
            if y is not None:
                z = float(image[i] @ w[k] + b[k])
                p = 1 / (1 + math.exp(-z))
                terms.append(-(y * math.log(p) + (1 - y) * math.log(1 - p)))
    assert float(out["loss"].detach()) == pytest.approx(sum(terms) / len(terms), rel=1e-5)
    assert float(out["labelled_fraction"]) == pytest.approx(len(terms) / 15)
    assert len(terms) == (10 if unmentioned == "negative" else 9)  # row 0's NaN counts; row 3 (all NaN) never


def test_never_negated_finding_still_gets_negative_targets() -> None:
    """A finding reports name only when present (never negated) must not train toward "always present"."""
    gen = torch.Generator().manual_seed(0)
    image = F.normalize(torch.randn(64, 8, generator=gen), dim=-1)
    present = image[:, 0] > 0
    nan = torch.full((64,), float("nan"))
    labels = torch.stack([torch.where(present, torch.ones(64), nan), torch.zeros(64)], dim=1)  # col 1: stated 0
    loss_fn = SupervisedBCELoss(embed_dim=8, n_labels=2)
    opt = torch.optim.Adam(loss_fn.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss_fn({keys.IMAGE_EMBEDS: image}, {keys.LABELS: labels})["loss"].backward()
        opt.step()
    predicted = loss_fn.head(image)[:, 0] > 0
    assert float((predicted == present).float().mean()) > 0.95


def test_no_label_gives_zero_loss_with_gradient_path() -> None:
    loss_fn = SupervisedBCELoss(embed_dim=3, n_labels=2)
    image = torch.randn(2, 3, requires_grad=True)
    out = loss_fn({keys.IMAGE_EMBEDS: image}, {keys.LABELS: torch.full((2, 2), float("nan"))})
    out["loss"].backward()
    assert float(out["loss"].detach()) == 0.0 and image.grad is not None and torch.isfinite(image.grad).all()


def test_wrong_label_count_is_a_clear_error() -> None:
    loss_fn = SupervisedBCELoss(embed_dim=3, n_labels=2)
    with pytest.raises(ValueError, match="n_labels"):
        loss_fn({keys.IMAGE_EMBEDS: torch.randn(2, 3)}, {keys.LABELS: torch.zeros(2, 5)})


def test_head_learns_a_separable_problem() -> None:
    gen = torch.Generator().manual_seed(0)
    image = F.normalize(torch.randn(64, 8, generator=gen), dim=-1)
    labels = torch.stack([(image[:, 0] > 0).float(), (image[:, 1] > 0).float()], dim=1)
    loss_fn = SupervisedBCELoss(embed_dim=8, n_labels=2)
    opt = torch.optim.Adam(loss_fn.parameters(), lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        out = loss_fn({keys.IMAGE_EMBEDS: image}, {keys.LABELS: labels})
        out["loss"].backward()
        opt.step()
    assert float(out["accuracy"]) > 0.95


def test_text_tower_head_reads_the_report_embedding() -> None:
    gen = torch.Generator().manual_seed(1)
    image, text = torch.randn(4, 3, generator=gen), torch.randn(4, 3, generator=gen, requires_grad=True)
    labels = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    on_text = SupervisedBCELoss(embed_dim=3, n_labels=2, tower="text")
    out = on_text({keys.IMAGE_EMBEDS: image, keys.TEXT_EMBEDS: text}, {keys.LABELS: labels})
    direct = F.binary_cross_entropy_with_logits(on_text.head(text), labels)
    assert torch.allclose(out["loss"], direct)
    out["loss"].backward()
    assert text.grad is not None and float(text.grad.abs().sum()) > 0
    with pytest.raises(ValueError, match="tower"):
        SupervisedBCELoss(embed_dim=3, n_labels=2, tower="both")  # type: ignore[arg-type]
