"""A bounded LRU cache of per-volume slice embeddings, used when the slice encoder is frozen."""

from __future__ import annotations

from collections import OrderedDict

from torch import Tensor


class SliceEmbeddingCache:
    """volume id -> slice embeddings ``[Z_real, D]`` (detached), least recently used evicted first."""

    def __init__(self, max_volumes: int = 1024) -> None:
        self.max_volumes = max_volumes
        self._store: OrderedDict[str, Tensor] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, volume_id: str, num_slices: int) -> Tensor | None:
        """The cached embeddings if present and for the same number of real slices, else None."""
        cached = self._store.get(volume_id)
        if cached is None or cached.shape[0] != num_slices:
            self.misses += 1
            return None
        self._store.move_to_end(volume_id)
        self.hits += 1
        return cached

    def put(self, volume_id: str, embeddings: Tensor) -> None:
        if self.max_volumes <= 0:
            return
        self._store[volume_id] = embeddings.detach()
        self._store.move_to_end(volume_id)
        while len(self._store) > self.max_volumes:
            self._store.popitem(last=False)

    def clear(self) -> None:
        self._store.clear()

    def __len__(self) -> int:
        return len(self._store)
