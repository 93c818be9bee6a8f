"""2D -> 3D: a 2D encoder on every slice (or 3-slice slab), mm position codes, a pluggable pooler.

Only real slices are encoded (padding never reaches the 2D encoder), in chunks of ``chunk_size``
with optional gradient checkpointing per chunk, so activation memory grows with the chunk, not the
slice count. With a frozen slice encoder, embeddings can be cached per volume id.

``slab=3, slice_stride=3`` is the 2.5D input of thick-slab reading: every third real slice is a slab
centre whose neighbours ride along as channels, so each slice of the volume reaches the encoder at a
third of the cost of encoding every slice (only the first convolution widens). Training draws the
phase of the centres at random per volume; eval centres them in the volume.

Note: a BatchNorm slice encoder in train mode normalises with per-chunk statistics; prefer frozen
or GroupNorm/LayerNorm backbones when chunk size matters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from medvlp.models.image_base import ENCODERS, ImageEncoder, ImageEncoderOutput, create_encoder
from medvlp.models.poolers import create_pooler
from medvlp.models.position import center_positions, default_slice_positions, sinusoidal_mm
from medvlp.models.slice_cache import SliceEmbeddingCache
from medvlp.models.windows import MultiWindow


def slab_indices(mask_row: Tensor, slab: int) -> Tensor:
    """For one volume's real slices, the indices of each slice's slab ``[Z_real, slab]``.

    Neighbours are taken among real slices (edges repeat), so padding never enters a slab.
    """
    real = mask_row.nonzero().squeeze(1)
    offsets = torch.arange(slab, device=real.device) - slab // 2
    order = (torch.arange(real.numel(), device=real.device).unsqueeze(1) + offsets).clamp(0, real.numel() - 1)
    return real[order]


class SlicePoolEncoder(ImageEncoder):
    """``[B, C, X, Y, Z]`` -> slice tokens ``[B, Z, D]`` -> pooled ``[B, D]`` + slice attention ``[B, Z]``."""

    spatial_dims = 3

    def __init__(
        self,
        slice_encoder: str = "test_resnet",
        slice_encoder_kwargs: dict[str, Any] | None = None,
        pooler: str = "transformer",
        pooler_kwargs: dict[str, Any] | None = None,
        slab: int = 1,
        slice_stride: int = 1,
        in_chans: int = 1,
        chunk_size: int = 32,
        dim: int | None = None,
        cache_size: int = 1024,
        mean: float | Sequence[float] = 0.5,
        std: float | Sequence[float] = 0.25,
        windows: Sequence[Sequence[float]] | None = None,
        input_window: Sequence[float] | None = None,
    ) -> None:
        super().__init__(mean, std)
        if slab < 1 or slab % 2 == 0:
            raise ValueError(f"slab must be an odd number of slices, got {slab}")
        if slice_stride < 1 or slice_stride > slab:
            raise ValueError(f"slice_stride must be in [1, slab={slab}] so no slice is skipped, got {slice_stride}")
        # Optional CT display windows as channels (see medvlp.models.windows); the 2D encoder sees them.
        self.multi_window: MultiWindow | None = None
        if windows:
            if input_window is None:
                raise ValueError("slicepool windows need input_window: the HU range the [0, 1] input spans")
            if in_chans != 1:
                raise ValueError(f"slicepool windows re-window a single CT channel, got in_chans={in_chans}")
            self.multi_window = MultiWindow(windows, input_window)
            in_chans = self.multi_window.channels
        # The volume is normalised once here, so the per-slice encoder must not normalise again.
        kwargs = {**(slice_encoder_kwargs or {}), "in_chans": in_chans * slab, "mean": 0.0, "std": 1.0}
        self.slice_encoder = create_encoder(slice_encoder, **kwargs)
        if self.slice_encoder.spatial_dims != 2:
            raise ValueError(f"slice encoder {slice_encoder!r} is not a 2D encoder")
        width = self.slice_encoder.embed_dim
        self.project = nn.Linear(width, dim) if dim and dim != width else nn.Identity()
        self.embed_dim = dim or width
        self.pyramid_dims = self.slice_encoder.pyramid_dims
        self.pooler = create_pooler(pooler, self.embed_dim, **(pooler_kwargs or {}))
        # mm position codes, for the poolers that can use them (not the order-blind mean)
        self.position = nn.Linear(self.embed_dim, self.embed_dim) \
            if getattr(self.pooler, "uses_positions", True) else None
        self.slab = slab
        self.slice_stride = slice_stride
        self.chunk_size = chunk_size
        self.cache = SliceEmbeddingCache(cache_size)

    def normalize(self, images: Tensor) -> Tensor:
        """``[B, 1, X, Y, Z]`` in [0, 1] -> display windows (if configured) ``[B, K, X, Y, Z]`` -> standardised."""
        if self.multi_window is not None:
            images = self.multi_window(images)
        return super().normalize(images)

    @property
    def slice_encoder_frozen(self) -> bool:
        return not any(p.requires_grad for p in self.slice_encoder.parameters())

    def freeze_slice_encoder(self) -> None:
        """Freeze only the 2D encoder (poolers keep training); enables the embedding cache."""
        self.slice_encoder.freeze()

    def run_chunked(self, fn: Callable[[Tensor], Tensor], slices: Tensor) -> list[Tensor]:
        """Apply ``fn`` to ``[N, C', X, Y]`` in chunks; checkpoint each chunk when asked and useful."""
        use_ckpt = self.grad_checkpointing and torch.is_grad_enabled() and not self.slice_encoder_frozen
        outputs = []
        for chunk in slices.split(self.chunk_size):
            outputs.append(checkpoint(fn, chunk, use_reentrant=False) if use_ckpt else fn(chunk))
        return outputs

    def encode_slices(self, slices: Tensor) -> Tensor:
        """Real slices ``[N, C', X, Y]`` -> embeddings ``[N, D_slice]``."""
        if len(slices) == 0:
            return slices.new_zeros(0, self.slice_encoder.embed_dim)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.slice_encoder_frozen):
            return torch.cat(self.run_chunked(lambda x: self.slice_encoder.encode(x, None, None).pooled, slices))

    def slab_centres(self, mask: Tensor) -> Tensor:
        """``bool [B, Z]``: the real slices encoded as slab centres (all of them when ``slice_stride`` is 1).

        Every ``slice_stride``-th real slice; the phase is random per volume in training (over the steps
        every slice is a centre) and centres the kept slices in the volume in eval (deterministic).
        """
        if self.slice_stride == 1:
            return mask
        centres = torch.zeros_like(mask)
        for b in range(mask.shape[0]):
            real = mask[b].nonzero().squeeze(1)
            if real.numel() == 0:
                continue
            span = min(self.slice_stride, real.numel())
            phase = int(torch.randint(span, (1,))) if self.training else ((real.numel() - 1) % self.slice_stride) // 2
            centres[b, real[phase :: self.slice_stride]] = True
        return centres

    def gather_slices(self, images: Tensor, mask_row: Tensor, b: int, centres_row: Tensor | None = None) -> Tensor:
        """Volume ``b``'s real slices (with slab neighbours as channels) -> ``[Z_real, C*slab, X, Y]``.

        With ``centres_row`` (``bool [Z]``, a subset of ``mask_row``) only those slices' slabs ``[Z_centres, ...]``.
        """
        index = slab_indices(mask_row, self.slab)  # [Z_real, slab]
        if centres_row is not None:
            index = index[centres_row[mask_row]]
        volume = images[b].movedim(-1, 0)  # [Z, C, X, Y]
        return volume[index].flatten(1, 2)

    def slice_embeddings(self, images: Tensor, mask: Tensor, volume_ids: Sequence[str] | None,
                         centres: Tensor | None = None) -> Tensor:
        """``[B, C, X, Y, Z]`` -> ``[B, Z, D_slice]``, zeros at padded slices and at real slices not in ``centres``."""
        b_size, z_size = mask.shape
        centres = mask if centres is None else centres
        # a random training phase changes the slabs between calls: a cache keyed by volume would serve stale ones
        use_cache = volume_ids is not None and self.slice_encoder_frozen and not (self.training and self.slice_stride > 1)
        per_volume: list[Tensor | None] = [None] * b_size
        todo = []
        for b in range(b_size):
            if use_cache:
                per_volume[b] = self.cache.get(str(volume_ids[b]), int(centres[b].sum()))  # type: ignore[index]
            if per_volume[b] is None:
                todo.append(b)
        if todo:  # encode all uncached volumes' real slices together, so chunks stay full
            counts = [int(centres[b].sum()) for b in todo]
            stacked = torch.cat([self.gather_slices(images, mask[b], b, centres[b]) for b in todo])
            # Interleave volumes (slice 0 of every volume, then slice 1, ...) so that each chunk mixes
            # volumes: a BatchNorm slice encoder then normalises with batch-wide statistics instead of
            # one volume's, which would erase the between-volume differences contrastive learning needs.
            within = torch.cat([torch.arange(c, device=stacked.device) for c in counts])
            order = torch.sort(within, stable=True).indices
            encoded_sorted = self.encode_slices(stacked[order])
            encoded = torch.empty_like(encoded_sorted).index_copy_(0, order, encoded_sorted).split(counts)
            for b, emb in zip(todo, encoded):
                per_volume[b] = emb
                if use_cache:
                    self.cache.put(str(volume_ids[b]), emb)  # type: ignore[index]
        out = images.new_zeros(b_size, z_size, self.slice_encoder.embed_dim)
        for b, emb in enumerate(per_volume):
            out[b, centres[b]] = emb.to(out.dtype)  # type: ignore[union-attr]
        return out

    def encode(
        self,
        images: Tensor,
        slice_mask: Tensor | None,
        slice_positions: Tensor | None,
        volume_ids: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> ImageEncoderOutput:
        mask = torch.ones(images.shape[0], images.shape[-1], dtype=torch.bool, device=images.device) \
            if slice_mask is None else slice_mask.bool()
        centres = self.slab_centres(mask)
        embeds = self.project(self.slice_embeddings(images, mask, volume_ids, centres))
        if self.position is not None:
            positions = default_slice_positions(mask) if slice_positions is None else slice_positions
            codes = sinusoidal_mm(center_positions(positions.to(images.device), mask), self.embed_dim)
            embeds = embeds + self.position(codes.to(embeds.dtype))
        tokens = embeds * centres.unsqueeze(-1)
        pooled, weights = self.pooler(tokens, centres)
        return ImageEncoderOutput(pooled=pooled, tokens=tokens, token_mask=centres, slice_attention=weights)

    def pyramid(self, images: Tensor) -> list[Tensor]:
        """Per-slice 2D pyramids stacked along z: level i is ``[B, C_i, h_i, w_i, Z]``.

        Every slice is encoded (as its slab centre), whatever ``slice_stride``: a dense decoder needs all of them.
        """
        b_size, z_size = images.shape[0], images.shape[-1]
        mask = torch.ones(b_size, z_size, dtype=torch.bool, device=images.device)
        slices = torch.cat([self.gather_slices(images, mask[b], b) for b in range(b_size)])
        chunks = [self.slice_encoder.pyramid(chunk) for chunk in slices.split(self.chunk_size)]
        levels = [torch.cat([c[i] for c in chunks]) for i in range(4)]  # [B*Z, C_i, h_i, w_i]
        return [lv.reshape(b_size, z_size, *lv.shape[1:]).movedim(1, -1) for lv in levels]


@ENCODERS.register("slicepool")
def slicepool(**kwargs: Any) -> SlicePoolEncoder:
    """Slice pooling over any registered 2D encoder: ``create_encoder("slicepool", slice_encoder=...)``."""
    return SlicePoolEncoder(**kwargs)
