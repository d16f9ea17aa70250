"""Compositions that choose: :class:`OneOf` (one child per sample) and :class:`SomeOf` (a random
number of children per sample, in random order); importable from :mod:`.compose` too."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from ..checks import is_int, is_number
from ..errors import ConfigError
from ..registry import TRANSFORMS
from ..rng import SeedLike
from .base import (
    Params,
    Transform,
    batch_len,
)
from .composition import _Composition, _gather, _run_child
from .constraints import Check, Table
from .records import BatchT, _take


def _n_transforms(seen: Mapping[str, object]) -> int:
    """How many transforms the composition has (its checked ``transforms``, a list)."""
    transforms = seen["transforms"]
    assert isinstance(transforms, list)  # checked before the arguments that count them
    return len(transforms)


def _check_weights(weights: object, name: str, owner: str, seen: Mapping[str, object]
                   ) -> list[float] | None:
    """None (equal) or one non-negative weight per transform, with a positive sum."""
    if weights is None:
        return None
    k = _n_transforms(seen)
    w = np.asarray(weights, dtype=float) if isinstance(weights, (list, tuple)) and all(
        is_number(v) for v in weights) else None
    if w is None or w.shape != (k,) or not np.isfinite(w).all() or (w < 0).any() \
            or w.sum() <= 0:
        raise ConfigError(
            f"{owner}({name}=...) must be {k} non-negative numbers (one per transform) "
            f"with a positive sum, got {weights!r}"
        )
    return [float(v) for v in w]


def _check_n(n: object, name: str, owner: str, seen: Mapping[str, object]) -> int | list[int]:
    """An int or a ``(low, high)`` pair within ``[0, number of transforms]``."""
    k = _n_transforms(seen)
    pair = list(n) if isinstance(n, (list, tuple)) else [n, n]
    ints = [int(v) for v in pair if is_int(v)]
    if len(pair) != 2 or len(ints) != 2 or not 0 <= ints[0] <= ints[1] <= k:
        raise ConfigError(
            f"{owner}({name}=...) must be an int or a (low, high) pair with 0 <= low <= high <= "
            f"{k} (the number of transforms), got {n!r}"
        )
    return ints if isinstance(n, (list, tuple)) else ints[0]


@TRANSFORMS.register()
class OneOf(_Composition[BatchT]):
    """Apply exactly one of ``transforms`` to each sample, chosen with ``weights`` (default equal).

    Every child must keep the sample shape (the chosen outputs are gathered into one batch).
    """

    weights: list[float] | None
    _parameter_constraints: ClassVar[Table] = {
        "weights": Check(_check_weights, bad=([1.0], [-1.0, 1.0, 1.0], [0, 0, 0], "x",
                                               [1.0, "a", 1.0]))}

    def __init__(self, transforms: Sequence[Transform[BatchT]] | Transform[BatchT],
                 weights: Sequence[float] | None = None, p: float = 1.0,
                 seed: SeedLike = None) -> None:
        del weights  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(transforms, p=p, seed=seed)
        k = len(self.transforms)
        w = np.full(k, 1.0) if self.weights is None else np.asarray(self.weights)
        self._w = w / w.sum()

    def _run(self, rng: np.random.Generator | None, batch: BatchT, inner: Any
             ) -> tuple[BatchT, Params]:
        n = batch_len(batch)
        if rng is not None:
            choice = rng.choice(len(self.transforms), size=n, p=self._w)
            steps: list[Params | None] = [None] * len(self.transforms)
        else:
            choice, steps = np.asarray(inner["choice"]), list(inner["steps"])
        parts: list[tuple[np.ndarray, BatchT]] = []
        for k, t in enumerate(self.transforms):
            idx = np.flatnonzero(choice == k)
            if idx.size == 0:
                continue
            parts.append((idx, _run_child(t, rng, _take(batch, idx), steps, k)))
        return _gather(batch, parts, type(self).__name__), {"choice": choice, "steps": steps}

    def _targets(self, targets: np.ndarray, inner: Any) -> np.ndarray:
        choice = np.asarray(inner["choice"])
        for k, t in enumerate(self.transforms):
            idx = np.flatnonzero(choice == k)
            if idx.size and inner["steps"][k] is not None:
                targets[idx] = t.apply_targets(targets[idx], inner["steps"][k])
        return targets


@TRANSFORMS.register()
class SomeOf(_Composition[BatchT]):
    """Apply ``n`` of ``transforms`` to each sample, chosen without replacement, in listed order.

    ``n`` is an int, or a ``(low, high)`` pair: each sample then gets a count drawn uniformly in
    ``[low, high]`` (inclusive).
    """

    n: int | list[int]
    _parameter_constraints: ClassVar[Table] = {
        "n": Check(_check_n, bad=(5, [2, 1], -1, 1.5, [1, 2, 3]))}

    def __init__(self, transforms: Sequence[Transform[BatchT]] | Transform[BatchT],
                 n: int | Sequence[int] = 1,
                 p: float = 1.0, seed: SeedLike = None) -> None:
        del n  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(transforms, p=p, seed=seed)
        self._lo, self._hi = self.n if isinstance(self.n, list) else (self.n, self.n)

    def _run(self, rng: np.random.Generator | None, batch: BatchT, inner: Any
             ) -> tuple[BatchT, Params]:
        nb, k = batch_len(batch), len(self.transforms)
        if rng is not None:
            counts = rng.integers(self._lo, self._hi + 1, size=nb)
            ranks = np.argsort(rng.random((nb, k)), axis=1).argsort(axis=1)
            mask = ranks < counts[:, None]
            steps: list[Params | None] = [None] * k
        else:
            mask, steps = np.asarray(inner["mask"], bool), list(inner["steps"])
        for j, t in enumerate(self.transforms):
            idx = np.flatnonzero(mask[:, j])
            if idx.size == 0:
                continue
            out_j = _run_child(t, rng, _take(batch, idx), steps, j)
            batch = _gather(batch, [(idx, out_j)], "SomeOf")
        return batch, {"mask": mask, "steps": steps}

    def _targets(self, targets: np.ndarray, inner: Any) -> np.ndarray:
        mask = np.asarray(inner["mask"], bool)
        for j, t in enumerate(self.transforms):
            idx = np.flatnonzero(mask[:, j])
            if idx.size and inner["steps"][j] is not None:
                targets[idx] = t.apply_targets(targets[idx], inner["steps"][j])
        return targets


__all__ = ["OneOf", "SomeOf"]
