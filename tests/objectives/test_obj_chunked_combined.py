from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from medvlp import keys
from medvlp.objectives import LOSSES, ChunkedInfoNCELoss, CombinedObjective, InfoNCELoss


@pytest.mark.parametrize("chunk", [1, 3, 7, 64])
def test_chunked_infonce_same_loss_and_gradients_as_naive(make_outputs: Callable, chunk: int) -> None:
    naive_out = make_outputs(batch=7, dim=5, seed=1)
    chunk_out = {k: v.detach().clone().requires_grad_() for k, v in naive_out.items()}
    naive = InfoNCELoss()(naive_out, {})["loss"]
    chunked = ChunkedInfoNCELoss(chunk=chunk)(chunk_out, {})["loss"]
    naive.backward()
    chunked.backward()
    assert torch.allclose(chunked, naive)
    for key in (keys.IMAGE_EMBEDS, keys.TEXT_EMBEDS, keys.LOGIT_SCALE):
        assert torch.allclose(chunk_out[key].grad, naive_out[key].grad), key


def test_chunked_infonce_passes_gradcheck(make_outputs: Callable) -> None:
    from medvlp.objectives import chunked_infonce

    out = make_outputs(batch=5, dim=3, seed=2, scale=3.0)
    args = (out[keys.IMAGE_EMBEDS], out[keys.TEXT_EMBEDS], out[keys.LOGIT_SCALE])
    assert torch.autograd.gradcheck(lambda u, v, s: chunked_infonce(u, v, s, 2), args)


def test_chunked_infonce_large_logits_stay_finite(make_outputs: Callable) -> None:
    out = make_outputs(batch=9, dim=4, seed=3, scale=100.0, dtype=torch.float32)
    loss = ChunkedInfoNCELoss(chunk=4)(out, {})["loss"]
    assert torch.isfinite(loss)
    assert torch.allclose(loss, InfoNCELoss()(out, {})["loss"], rtol=1e-5)


def test_combined_objective_weights_terms_and_reports_parts(make_outputs: Callable) -> None:
    out = make_outputs(batch=4)
    combined = CombinedObjective.from_spec({
        "clip": {"loss": "infonce", "weight": 0.5},
        "siglip": {"weight": 2.0, "kwargs": {"init_bias": -2.0}},
    }).double()
    result = combined(out, {})
    clip = InfoNCELoss()(out, {})["loss"]
    siglip = LOSSES.create("siglip", init_bias=-2.0).double()(out, {})["loss"]
    assert torch.allclose(result["loss"], 0.5 * clip + 2.0 * siglip)
    assert {"clip/i2t", "clip/t2i", "siglip/loss", "siglip/pos_logit"} <= set(result)
    assert any(p is combined.terms["siglip"].bias for p in combined.parameters())


def test_combined_objective_rejects_unknown_loss_name() -> None:
    from medvlp.errors import UnknownNameError

    with pytest.raises(UnknownNameError):
        CombinedObjective.from_spec({"x": {"loss": "no_such_loss"}})
