"""Offline augmentation: K augmented copies of a training set, computed once and cached on disk.

For transforms too slow to run every epoch (back-translation), the DataLoader can precompute
``K`` copies; epoch ``e`` then uses copy ``e % K``. The cache file is keyed
(:func:`augfit.hashing.cache_key`, length-prefixed) by the pipeline's ``to_json()``, a hash of the
data, the seed, ``K`` and the batch size, so a changed pipeline or dataset never reuses stale
copies. A pipeline without ``to_json`` is precomputed in memory only.

Each file stores a SHA-256 checksum of its copies; a file that cannot be read, fails its checksum or
holds copies of the wrong number or size is recomputed (and rewritten) with an
:class:`~augfit.errors.AugfitWarning` naming it.
"""
from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeAlias

import numpy as np

from ..arraytypes import Inputs
from ..cache import atomic_path, cache_dir
from ..errors import AugfitWarning
from ..hashing import cache_key, checksum
from ..rng import derive

#: what a loader calls on each raw batch: ``augment(xb, rng=generator)`` (a Transform, a
#: Compose, or any callable that takes a batch and ``rng=`` and returns the augmented batch)
Augment: TypeAlias = Callable[..., Inputs]



class Samples(Protocol):
    """A dataset's ``x`` as the offline copies take it: sized and sliceable (an array, a list of
    str, a CPU tensor)."""

    def __len__(self) -> int: ...

    def __getitem__(self, part: slice, /) -> object: ...


#: first derive() key of offline draws, far above any epoch number used by per-epoch draws
OFFLINE_KEY = 2**40


def data_hash(x: object, y: np.ndarray) -> str:
    """A content hash of a dataset's samples and labels (each text length-prefixed)."""
    kind = "text" if isinstance(x, list) else "array"
    return cache_key(kind, x if isinstance(x, list) else np.asarray(x), np.asarray(y, np.int64))


class _Corrupt(Exception):
    pass


class OfflineCopies:
    """``k`` augmented copies of ``x``; chunk ``c`` of copy ``j`` is drawn from
    ``derive(seed, OFFLINE_KEY, j, c)``."""

    def __init__(self, x: Samples, y: np.ndarray, augment: Augment, k: int, seed: int,
                 batch_size: int, directory: str | Path | None = None) -> None:
        self.k, self.n = k, len(x)
        spec = augment.to_json(sort_keys=True) if hasattr(augment, "to_json") else None
        self.path: Path | None = None
        if spec is not None:
            key = cache_key("offline", spec, data_hash(x, y), seed, k, batch_size)
            folder = Path(directory) if directory is not None else cache_dir("offline")
            folder.mkdir(parents=True, exist_ok=True)
            self.path = folder / (f"{key}.json" if isinstance(x, list) else f"{key}.npz")
        self.from_cache = False
        if self.path is not None and self.path.exists():
            try:
                self.copies = self._read()
                self.from_cache = True
            except _Corrupt as e:
                warnings.warn(f"offline augmentation cache {self.path} is unusable ({e}); "
                              f"recomputing it", AugfitWarning, stacklevel=3)
        if not self.from_cache:
            self.copies = [self._augment_all(x, augment, j, seed, batch_size) for j in range(k)]
            if self.path is not None:
                self._write()

    @staticmethod
    def _augment_all(x: Samples, augment: Augment, j: int, seed: int, batch_size: int
                     ) -> Inputs:
        n = len(x)
        chunks = []
        for c, s in enumerate(range(0, n, batch_size)):
            part = x[s:s + batch_size]
            chunks.append(augment(part, rng=derive(seed, OFFLINE_KEY, j, c)))
        if isinstance(x, list):
            return [t for ch in chunks for t in ch]
        return np.concatenate(chunks, axis=0)

    def _read(self) -> list[Inputs]:
        path = Path(str(self.path))
        try:
            if path.suffix == ".json":
                doc = json.loads(path.read_text(encoding="utf-8"))
                copies: list[Inputs] = doc["copies"]
                stored = doc["checksum"]
                body = json.dumps(copies).encode("utf-8")
                ok = (isinstance(copies, list) and len(copies) == self.k and all(
                    isinstance(c, list) and len(c) == self.n and all(isinstance(t, str) for t in c)
                    for c in copies))
            else:
                with np.load(path, allow_pickle=False) as z:
                    arr, stored = z["copies"], str(z["checksum"])
                body = arr.tobytes()
                ok = arr.ndim >= 2 and arr.shape[:2] == (self.k, self.n)
                copies = list(arr)
        except Exception as e:  # any unreadable file: truncated, garbage, wrong format
            raise _Corrupt(f"cannot be read: {type(e).__name__}: {str(e)[:120]}") from None
        if not ok:
            raise _Corrupt(f"it does not hold {self.k} copies of {self.n} samples")
        if checksum(body) != stored:
            raise _Corrupt("checksum mismatch")
        return copies

    def _write(self) -> None:
        path = Path(str(self.path))
        tmp = atomic_path(path)
        if isinstance(self.copies[0], list):
            body = json.dumps(self.copies)
            doc = {"checksum": checksum(body.encode("utf-8")), "copies": self.copies}
            tmp.write_text(json.dumps(doc), encoding="utf-8")
        else:
            arr = np.ascontiguousarray(np.stack(self.copies))
            with open(tmp, "wb") as fh:
                np.savez(fh, copies=arr, checksum=np.array(checksum(arr.tobytes())))
        os.replace(tmp, path)

    def copy(self, epoch: int) -> Inputs:
        """The augmented copy used by ``epoch``."""
        return self.copies[epoch % self.k]


__all__ = ["OFFLINE_KEY", "Augment", "OfflineCopies", "data_hash"]
