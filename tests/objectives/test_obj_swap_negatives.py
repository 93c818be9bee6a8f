"""swap_negatives: each image picks its own report over its finding-swapped twins, against a direct reference."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import LOSSES, SwapNegativeLoss

VALID = torch.tensor([[True, True], [True, False], [False, False], [True, True]])


def _outputs(scale: float = 7.0, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    unit = lambda *shape: F.normalize(torch.randn(*shape, generator=gen, dtype=torch.float64), dim=-1)
    return {keys.IMAGE_EMBEDS: unit(4, 5).requires_grad_(), keys.TEXT_EMBEDS: unit(4, 5).requires_grad_(),
            keys.SWAP_EMBEDS: unit(4, 2, 5).requires_grad_(),
            keys.LOGIT_SCALE: torch.tensor(scale, dtype=torch.float64, requires_grad=True)}


def _reference(out: dict[str, torch.Tensor], valid: torch.Tensor) -> float:
    """Plain per-row softmax over the own report and the valid swaps, averaged over rows with a swap."""
    image, text, swaps = (out[k].detach() for k in (keys.IMAGE_EMBEDS, keys.TEXT_EMBEDS, keys.SWAP_EMBEDS))
    scale, losses = float(out[keys.LOGIT_SCALE]), []
    for i in range(image.shape[0]):
        others = [float(image[i] @ swaps[i, h]) for h in range(swaps.shape[1]) if valid[i, h]]
        if not others:
            continue
        scores = [scale * float(image[i] @ text[i])] + [scale * o for o in others]
        losses.append(-scores[0] + math.log(sum(math.exp(s) for s in scores)))
    return sum(losses) / len(losses)


def test_matches_the_reference_and_ignores_empty_slots() -> None:
    out = _outputs()
    parts = SwapNegativeLoss()(out, {keys.SWAP_MASK: VALID})
    assert float(parts["loss"].detach()) == pytest.approx(_reference(out, VALID), rel=1e-9)
    assert float(parts["swapped_fraction"]) == pytest.approx(0.75)


def test_gradients_are_finite_with_masked_slots_and_reach_every_input() -> None:
    out = _outputs()
    SwapNegativeLoss()(out, {keys.SWAP_MASK: VALID})["loss"].backward()
    for key in (keys.IMAGE_EMBEDS, keys.TEXT_EMBEDS, keys.SWAP_EMBEDS, keys.LOGIT_SCALE):
        grad = out[key].grad
        assert grad is not None and torch.isfinite(grad).all(), key
    assert torch.count_nonzero(out[keys.SWAP_EMBEDS].grad[1, 1]) == 0  # an empty slot gets no gradient
    assert torch.count_nonzero(out[keys.SWAP_EMBEDS].grad[0, 1]) > 0


def test_accuracy_counts_rows_whose_own_report_wins() -> None:
    out = _outputs(scale=50.0)
    out[keys.SWAP_EMBEDS] = -out[keys.IMAGE_EMBEDS].detach()[:, None].repeat(1, 2, 1)  # swaps point away
    out[keys.TEXT_EMBEDS] = out[keys.IMAGE_EMBEDS].detach().clone()
    parts = SwapNegativeLoss()(out, {keys.SWAP_MASK: VALID})
    assert float(parts["accuracy"]) == 1.0 and float(parts["loss"]) < 1e-6


def test_a_batch_without_swaps_gives_zero_loss_that_depends_on_the_inputs() -> None:
    out = _outputs()
    parts = SwapNegativeLoss()(out, {keys.SWAP_MASK: torch.zeros(4, 2, dtype=torch.bool)})
    assert float(parts["loss"]) == 0.0
    parts["loss"].backward()
    assert out[keys.SWAP_EMBEDS].grad is not None


def test_registered_and_zero_on_batches_without_swap_texts() -> None:
    assert isinstance(LOSSES.create("swap_negatives"), SwapNegativeLoss)
    out = _outputs()
    del out[keys.SWAP_EMBEDS]  # a validation batch: no augmentation, so no swaps
    parts = SwapNegativeLoss()(out, {})
    assert float(parts["loss"].detach()) == 0.0
    parts["loss"].backward()
    assert out[keys.IMAGE_EMBEDS].grad is not None
