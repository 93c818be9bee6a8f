"""Two CPU processes (gloo): gathered losses equal the single-process loss on the concatenated batch."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from medvlp import keys
from medvlp.objectives import ChunkedInfoNCELoss, InfoNCELoss, SigLIPLoss

WORLD, BATCH, DIM = 2, 3, 4
LOSSES = {
    "infonce": lambda: InfoNCELoss(),
    "infonce_local": lambda: InfoNCELoss(local_loss=True),
    "chunked": lambda: ChunkedInfoNCELoss(chunk=2),
    "siglip": lambda: SigLIPLoss(init_bias=-1.0).double(),
}


def _full_batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    image = F.normalize(torch.randn(WORLD * BATCH, DIM, generator=gen, dtype=torch.float64), dim=1)
    text = F.normalize(torch.randn(WORLD * BATCH, DIM, generator=gen, dtype=torch.float64), dim=1)
    return image, text


def _outputs(image: torch.Tensor, text: torch.Tensor) -> dict[str, torch.Tensor]:
    return {keys.IMAGE_EMBEDS: image.clone().requires_grad_(), keys.TEXT_EMBEDS: text.clone().requires_grad_(),
            keys.LOGIT_SCALE: torch.tensor(4.0, dtype=torch.float64)}


def _worker(rank: int, port: int, out_dir: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    image, text = _full_batch()
    mine = slice(rank * BATCH, (rank + 1) * BATCH)
    results = {}
    for name, make in LOSSES.items():
        out = _outputs(image[mine], text[mine])
        loss = make()(out, {})["loss"]
        loss.backward()
        results[name] = (loss.detach(), out[keys.IMAGE_EMBEDS].grad, out[keys.TEXT_EMBEDS].grad)
    torch.save(results, Path(out_dir) / f"rank{rank}.pt")
    dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gathered_losses_equal_single_process_on_concatenated_batch(tmp_path: Path) -> None:
    mp.spawn(_worker, args=(_free_port(), str(tmp_path)), nprocs=WORLD, join=True)
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]
    image, text = _full_batch()
    for name, make in LOSSES.items():
        out = _outputs(image, text)
        full = make()(out, {})["loss"]
        full.backward()
        mean_rank_loss = sum(r[name][0] for r in ranks) / WORLD
        assert torch.allclose(mean_rank_loss, full.detach()), name
        # DDP averages parameter gradients over ranks, so each rank must hold WORLD x its share
        grad_image = torch.cat([r[name][1] for r in ranks]) / WORLD
        grad_text = torch.cat([r[name][2] for r in ranks]) / WORLD
        assert torch.allclose(grad_image, out[keys.IMAGE_EMBEDS].grad), name
        assert torch.allclose(grad_text, out[keys.TEXT_EMBEDS].grad), name
