"""Offline augmentation: K augmented copies of a training set, computed once and cached on disk.

For transforms too slow to run every epoch (back-translation), the DataLoader can precompute
``K`` copies; epoch ``e`` then uses copy ``e % K``. The cache file is keyed by the pipeline's
``to_json()``, a hash of the data, the seed, ``K`` and the batch size, so a changed pipeline or
dataset never reuses stale copies. A pipeline without ``to_json`` is precomputed in memory only.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..rng import derive
from .cache import atomic_path, cache_dir, digest

#: first derive() key of offline draws, far above any epoch number used by per-epoch draws
OFFLINE_KEY = 2**40


def data_hash(x: Any, y: np.ndarray) -> str:
    """A content hash of a dataset's samples and labels."""
    if isinstance(x, list):
        body: bytes = "\0".join(x).encode("utf-8")
        kind = f"text{len(x)}"
    else:
        arr = np.ascontiguousarray(x)
        body, kind = arr.tobytes(), f"{arr.dtype.str}{arr.shape}"
    return digest(kind, body, np.asarray(y, np.int64).tobytes())


class OfflineCopies:
    """``k`` augmented copies of ``x``; chunk ``c`` of copy ``j`` is drawn from
    ``derive(seed, OFFLINE_KEY, j, c)``."""

    def __init__(self, x: Any, y: np.ndarray, augment: Any, k: int, seed: int, batch_size: int,
                 directory: str | Path | None = None) -> None:
        self.k = k
        spec = augment.to_json(sort_keys=True) if hasattr(augment, "to_json") else None
        self.path: Path | None = None
        if spec is not None:
            key = digest(spec, data_hash(x, y), str(seed), str(k), str(batch_size))
            folder = Path(directory) if directory is not None else cache_dir("offline")
            folder.mkdir(parents=True, exist_ok=True)
            self.path = folder / (f"{key}.json" if isinstance(x, list) else f"{key}.npy")
        self.from_cache = self.path is not None and self.path.exists()
        if self.from_cache:
            self.copies = self._read()
        else:
            self.copies = [self._augment_all(x, augment, j, seed, batch_size) for j in range(k)]
            if self.path is not None:
                self._write()

    @staticmethod
    def _augment_all(x: Any, augment: Any, j: int, seed: int, batch_size: int) -> Any:
        n = len(x)
        chunks = []
        for c, s in enumerate(range(0, n, batch_size)):
            part = x[s:s + batch_size]
            chunks.append(augment(part, rng=derive(seed, OFFLINE_KEY, j, c)))
        if isinstance(x, list):
            return [t for ch in chunks for t in ch]
        return np.concatenate(chunks, axis=0)

    def _read(self) -> list[Any]:
        path = Path(str(self.path))
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        return list(np.load(path, allow_pickle=False))

    def _write(self) -> None:
        path = Path(str(self.path))
        tmp = atomic_path(path)
        if isinstance(self.copies[0], list):
            tmp.write_text(json.dumps(self.copies), encoding="utf-8")
        else:
            with open(tmp, "wb") as fh:
                np.save(fh, np.stack(self.copies), allow_pickle=False)
        os.replace(tmp, path)

    def copy(self, epoch: int) -> Any:
        """The augmented copy used by ``epoch``."""
        return self.copies[epoch % self.k]


__all__ = ["OfflineCopies", "data_hash", "OFFLINE_KEY"]
