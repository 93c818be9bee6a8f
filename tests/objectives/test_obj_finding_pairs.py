"""finding_pairs: affirmed-vs-negated cross-entropy per (image, finding), against a direct reference."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import LOSSES, FindingPairLoss

NAN = float("nan")


def _outputs(batch: int = 5, findings: int = 3, dim: int = 4, seed: int = 0) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    image = F.normalize(torch.randn(batch, dim, generator=gen, dtype=torch.float64), dim=-1).requires_grad_()
    pairs = F.normalize(torch.randn(findings, 2, dim, generator=gen, dtype=torch.float64), dim=-1).requires_grad_()
    # pair k is label column index[k]: the loss must pick the right columns of LABELS
    return {keys.IMAGE_EMBEDS: image, keys.FINDING_PAIR_EMBEDS: pairs,
            keys.FINDING_PAIR_INDEX: torch.tensor([2, 0, 3])}


LABELS = torch.tensor([[1, 9, 0, NAN], [0, 9, 1, 1], [-1, 9, NAN, 0], [NAN, 9, NAN, NAN], [1, 9, 1, -1]])


def _reference(out: dict[str, torch.Tensor], labels: torch.Tensor, scale: float, unmentioned: str,
               balance: bool) -> float:
    image, pairs = out[keys.IMAGE_EMBEDS].detach(), out[keys.FINDING_PAIR_EMBEDS].detach()
    rows: list[tuple[int, float, float]] = []  # (finding, y, ce)
    for i in range(image.shape[0]):
        for k, col in enumerate(out[keys.FINDING_PAIR_INDEX].tolist()):
            y = float(labels[i, col])
            if math.isnan(y):
                if unmentioned == "ignore":
                    continue
                y = 0.0
            if y not in (0.0, 1.0):
                continue
            za, zn = scale * float(image[i] @ pairs[k, 0]), scale * float(image[i] @ pairs[k, 1])
            p_affirmed = math.exp(za) / (math.exp(za) + math.exp(zn))
            rows.append((k, y, -math.log(p_affirmed if y == 1 else 1 - p_affirmed)))
    if not balance:
        return sum(ce for _, _, ce in rows) / len(rows)
    total, weight = 0.0, 0.0
    for k, y, ce in rows:
        same = sum(1 for k2, y2, _ in rows if k2 == k and y2 == y)
        total += ce / same
        weight += 1 / same
    return total / weight


@pytest.mark.parametrize("unmentioned", ["negative", "ignore"])
@pytest.mark.parametrize("balance", [False, True])
def test_matches_direct_reference(unmentioned: str, balance: bool) -> None:
    loss_fn = LOSSES.create("finding_pairs", init_scale=7.0, unmentioned=unmentioned, balance=balance).double()
    out = _outputs()
    got = loss_fn(out, {keys.LABELS: LABELS})
    assert float(got["loss"].detach()) == pytest.approx(_reference(out, LABELS, 7.0, unmentioned, balance), rel=1e-6)


def test_gradient_moves_image_towards_the_right_sentence() -> None:
    """One step of gradient descent on the image raises the affirmed score of a positive finding."""
    loss_fn = FindingPairLoss().double()
    out = _outputs(batch=1, findings=3)
    labels = torch.tensor([[NAN, NAN, 1.0, NAN]])  # finding 0 (column 2) positive, the rest unmentioned
    loss_fn(out, {keys.LABELS: labels})["loss"].backward()
    image, pairs = out[keys.IMAGE_EMBEDS], out[keys.FINDING_PAIR_EMBEDS].detach()
    margin = lambda u: float(u @ pairs[0, 0] - u @ pairs[0, 1])
    assert margin(image.detach() - 0.1 * image.grad) > margin(image.detach())


def test_no_usable_label_gives_zero_loss_with_gradient_path() -> None:
    out = _outputs()
    labels = torch.full((5, 4), -1.0)
    got = FindingPairLoss().double()(out, {keys.LABELS: labels})
    got["loss"].backward()
    assert float(got["loss"].detach()) == 0.0 and out[keys.IMAGE_EMBEDS].grad is not None


def test_missing_pair_embeddings_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="finding_pairs.enabled"):
        FindingPairLoss()({keys.IMAGE_EMBEDS: torch.zeros(2, 4)}, {keys.LABELS: torch.zeros(2, 4)})


def test_bad_policy_rejected() -> None:
    with pytest.raises(ValueError, match="unmentioned"):
        FindingPairLoss(unmentioned="positive")  # type: ignore[arg-type]


def test_model_option_adds_the_description_sentences() -> None:
    """``finding_pairs.descriptions`` reaches the model's pair texts: twice the synonyms' variants per finding."""
    from medvlp.knowledge.pair_texts import TRAINING_PAIR_TEMPLATES
    from medvlp.models.factory import create_model

    common = {"finding_pairs.enabled": True, "text.params.label_features": "ct"}
    plain = create_model("ct_slicepool_tiny", **common)
    described = create_model("ct_slicepool_tiny", **common, **{"finding_pairs.descriptions": True})
    assert plain.finding_pairs is not None and described.finding_pairs is not None
    assert plain.finding_pairs.variants == 2 * len(TRAINING_PAIR_TEMPLATES)
    assert described.finding_pairs.variants == 4 * len(TRAINING_PAIR_TEMPLATES)
    assert described.finding_pairs.names == plain.finding_pairs.names
