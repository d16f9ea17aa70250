"""Compositions: Compose, OneOf, SomeOf and Sometimes; seeded, replayable and serializable.

A composition is itself a :class:`~augfit.transforms.base.Transform`, so compositions nest.
``Compose(transforms, seed=0)`` owns a Generator made from its seed: ``aug(x)`` draws from it (the
stream advances call after call), ``aug(x, rng=gen)`` draws from ``gen`` instead, and
``aug(x, return_params=True)`` also returns the record of every draw, which
``aug.replay(x, record)`` turns into the same bytes again.

Consecutive geometric image transforms (those with ``fuse_geometry = True``, see
:mod:`augfit.transforms.image.geometric`) are fused inside a Compose: their per-sample affine
matrices are multiplied and the batch is resampled once. The record still holds each step's own
parameters, and replay fuses in the same way. ``Compose(..., fuse=False)`` resamples step by step.

Example
-------
>>> import numpy as np, augfit as af
>>> from augfit.transforms import image as I
>>> aug = af.Compose([I.Rotate(limit=15), I.HorizontalFlip(p=0.5)], seed=0)
>>> x = np.zeros((8, 28, 28), np.uint8)
>>> out, record = aug(x, return_params=True)
>>> bool((aug.replay(x, record) == out).all())
True
>>> same = af.Compose.from_yaml(aug.to_yaml())      # same seed: same first output
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, TypeGuard

import numpy as np

from ..checks import check_bool, is_int
from ..errors import ConfigError, ShapeError
from ..registry import TRANSFORMS
from ..rng import SeedLike, _check_seed, as_generator
from .base import (
    RECORD_KEY,
    Params,
    Transform,
    _put,
    _take,
    applied_mask,
    batch_len,
    check_record,
    drawn_on,
    sample_shape,
)
from .calling import call_transform


def _as_transforms(transforms: object, owner: str) -> list[Transform]:
    if isinstance(transforms, Transform):
        return [transforms]
    if not isinstance(transforms, (list, tuple)) or not transforms:
        raise ConfigError(
            f"{owner}(transforms=...) must be a non-empty list of transforms, got {transforms!r}"
        )
    out: list[Transform] = []
    for i, t in enumerate(transforms):
        if isinstance(t, dict):
            t = Transform.from_dict(t)
        if not isinstance(t, Transform):
            raise ConfigError(
                f"{owner}(transforms=...)[{i}] must be an augfit Transform or a transform dict, "
                f"got {t!r}; wrap foreign transforms with augfit.transforms.adapters"
            )
        out.append(t)
    return out


def _same_shape(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape[1:] == b.shape[1:] and a.dtype == b.dtype
    return True


class _Composition(Transform):
    """Shared parts: children, an own Generator, and the per-sample ``p`` of the whole group."""

    modality = "any"

    def __init__(self, transforms: Sequence[Transform] | Transform, p: float = 1.0,
                 seed: SeedLike = None) -> None:
        super().__init__(p)
        self.transforms = _as_transforms(transforms, type(self).__name__)
        _check_seed(seed, f"{type(self).__name__}(seed=...)")
        if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
            raise ConfigError(
                f"{type(self).__name__}(seed=...) must be None or an int so that it can be "
                f"serialized, got {type(seed).__name__}; pass a Generator per call with rng=..."
            )
        self.seed = None if seed is None else int(seed)
        self._rng = as_generator(self.seed)

    def reset(self) -> None:
        """Restart the own Generator from ``seed`` (a fresh instance gives the same stream)."""
        self._rng = as_generator(self.seed)

    def check_batch(self, batch: Any) -> None:
        self.transforms[0].check_batch(batch)

    # -- the group-level p ----------------------------------------------------------------------
    def sample_apply(self, rng: np.random.Generator, batch: Any) -> tuple[Any, Params]:
        self.check_batch(batch)
        n = batch_len(batch)
        applied = rng.random(n) < self.p
        note = drawn_on(self, sample_shape(batch))
        if applied.all():
            out, inner = self._run(rng, batch, None)
        elif not applied.any():
            return batch, {"applied": applied, "inner": None, RECORD_KEY: note}
        else:
            idx = np.flatnonzero(applied)
            sub, inner = self._run(rng, _take(batch, idx), None)
            out = self._put_back(batch, idx, sub)
        return out, {"applied": applied, "inner": inner, RECORD_KEY: note}

    def sample(self, rng: np.random.Generator, batch: Any) -> Params:
        return self.sample_apply(rng, batch)[1]

    def apply(self, batch: Any, params: Params) -> Any:
        """Replay a record from ``return_params=True`` (pure: draws nothing)."""
        if not isinstance(params, dict) or "applied" not in params or "inner" not in params:
            raise ConfigError(
                f"{type(self).__name__}.replay: record must be the dict returned with "
                f"return_params=True by this composition, got {type(params).__name__}"
            )
        check_record(self, batch, params)
        applied = applied_mask(params["applied"], batch_len(batch), type(self).__name__)
        if not applied.any():
            return batch
        if applied.all():
            return self._run(None, batch, params["inner"])[0]
        idx = np.flatnonzero(applied)
        sub = self._run(None, _take(batch, idx), params["inner"])[0]
        return self._put_back(batch, idx, sub)

    def _put_back(self, batch: Any, idx: np.ndarray, sub: Any) -> Any:
        if not _same_shape(batch, sub):
            raise ShapeError(
                f"{type(self).__name__}(p<1): its steps change the sample shape from "
                f"{batch.shape[1:]} to {sub.shape[1:]}, so untouched samples cannot stay in the "
                f"batch; use p=1 or a size-keeping step"
            )
        return _put(batch, idx, sub)

    def _run(self, rng: np.random.Generator | None, batch: Any, inner: Any) -> tuple[Any, Any]:
        """Draw (``rng`` given) or replay (``inner`` given) the group on a batch it fully covers."""
        raise NotImplementedError

    # -- labels ---------------------------------------------------------------------------------
    def changes_labels(self) -> bool:
        return any(t.changes_labels() for t in self.transforms)

    def apply_targets(self, targets: Any, params: Params) -> Any:
        """Soft targets ``(N, K)`` after the steps recorded in ``params``, each step on the rows
        it saw (so a MixUp inside a OneOf pairs the same samples as in :meth:`apply`)."""
        if not self.changes_labels() or params.get("inner") is None:
            return targets
        targets = np.asarray(targets)
        applied = applied_mask(params["applied"], targets.shape[0], type(self).__name__)
        idx = np.flatnonzero(applied)
        out = targets.astype(np.float64)
        out[idx] = self._targets(out[idx], params["inner"])
        return out

    def _targets(self, targets: np.ndarray, inner: Any) -> np.ndarray:
        """Targets of the rows the group fully covers, from its ``inner`` record."""
        raise NotImplementedError

    def __call__(self, batch: Any = None, rng: SeedLike = None, return_params: bool = False, *,
                 layout: str | None = None, **targets: Any) -> Any:
        """Augment ``batch``, drawing from ``rng`` if given, else from the own stream (tensors,
        ``layout=`` and ``image=`` as in :meth:`Transform.__call__`)."""
        gen = self._rng if rng is None else as_generator(rng, "rng")
        return call_transform(type(self).__name__, lambda x: self.sample_apply(gen, x), batch,
                              return_params, layout, targets)

    @classmethod
    def _from_config(cls, cfg: dict[str, Any]) -> Transform:
        cfg = dict(cfg)
        if "transforms" in cfg:
            cfg["transforms"] = _as_transforms(cfg["transforms"], cls.__name__)
        return cls(**cfg)

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        from .image import Brightness, HorizontalFlip, Rotate

        return {"transforms": [Rotate(limit=20), HorizontalFlip(p=0.5), Brightness(limit=0.2)]}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"transforms": []}, {"transforms": ["Rotate"]},
                                         {"seed": -1}, {"seed": "abc"}]


class Fusable(Protocol):
    """A step that Compose may fuse with its neighbours into one resampling (the geometric image
    transforms, :class:`~augfit.transforms.image.core.GeometricTransform`)."""

    fuse_geometry: bool

    def can_fuse_with(self, other: Transform) -> bool: ...

    @staticmethod
    def fused(group: Sequence[Any], batch: Any, rng: np.random.Generator | None = None,
              params: Sequence[Params] | None = None) -> tuple[Any, list[Params]]: ...


def _fusable(t: object) -> TypeGuard[Fusable]:
    return bool(getattr(t, "fuse_geometry", False))


@TRANSFORMS.register()
class Compose(_Composition):
    """Apply ``transforms`` one after the other.

    Parameters
    ----------
    transforms : list of Transform (or transform dicts)
    seed : int or None
        Seed of the Generator this Compose owns (``None``: fresh OS entropy, not reproducible).
    p : float
        Probability that the whole sequence applies to a sample.
    fuse : bool
        Fuse consecutive geometric image transforms into one resampling (default True).
    """

    def __init__(self, transforms: Sequence[Transform] | Transform, seed: SeedLike = None,
                 p: float = 1.0, fuse: bool = True) -> None:
        super().__init__(transforms, p=p, seed=seed)
        self.fuse = check_bool(fuse, "fuse", "Compose")

    def _groups(self) -> list[list[Transform]]:
        groups: list[list[Transform]] = []
        for t in self.transforms:
            head, step = (groups[-1][0] if groups else None), t  # step: narrowed, t: kept
            if self.fuse and _fusable(step) and _fusable(head) and head.can_fuse_with(t):
                groups[-1].append(t)
            else:
                groups.append([t])
        return groups

    def _run(self, rng: np.random.Generator | None, batch: Any, inner: Any) -> tuple[Any, Any]:
        steps: list[Params] = []
        replay = rng is None
        if replay and (not isinstance(inner, list) or len(inner) != len(self.transforms)):
            raise ConfigError(
                f"Compose.replay: record holds "
                f"{len(inner) if isinstance(inner, list) else inner!r} steps but this Compose "
                f"has {len(self.transforms)}; replay with the same pipeline"
            )
        for group in self._groups():
            k, head = len(steps), group[0]
            if len(group) > 1 and _fusable(head):  # groups of several are always fusable
                given = inner[k:k + len(group)] if replay else None
                batch, drawn = type(head).fused(group, batch, rng=rng, params=given)
                steps.extend(drawn)
            elif rng is None:  # replay
                batch = group[0].replay(batch, inner[k])
                steps.append(inner[k])
            else:
                batch, params = group[0].sample_apply(rng, batch)
                steps.append(params)
        return batch, steps

    def _targets(self, targets: np.ndarray, inner: Any) -> np.ndarray:
        for t, params in zip(self.transforms, inner, strict=True):
            targets = t.apply_targets(targets, params)
        return targets


@TRANSFORMS.register()
class Sometimes(Compose):
    """Apply ``transforms`` (in order) to each sample with probability ``p``.

    Example: ``Sometimes(0.3, [Rotate(10), Contrast(0.2)])``.
    """

    def __init__(self, p: float = 0.5, transforms: Sequence[Transform] | Transform = (),
                 seed: SeedLike = None, fuse: bool = True) -> None:
        super().__init__(transforms, seed=seed, p=p, fuse=fuse)


@TRANSFORMS.register()
class OneOf(_Composition):
    """Apply exactly one of ``transforms`` to each sample, chosen with ``weights`` (default equal).

    Every child must keep the sample shape (the chosen outputs are gathered into one batch).
    """

    def __init__(self, transforms: Sequence[Transform] | Transform,
                 weights: Sequence[float] | None = None, p: float = 1.0,
                 seed: SeedLike = None) -> None:
        super().__init__(transforms, p=p, seed=seed)
        k = len(self.transforms)
        if weights is None:
            self.weights = None
            self._w = np.full(k, 1.0 / k)
        else:
            w = np.asarray(weights, dtype=float) if isinstance(weights, (list, tuple)) else None
            if w is None or w.shape != (k,) or not np.isfinite(w).all() or (w < 0).any() \
                    or w.sum() <= 0:
                raise ConfigError(
                    f"OneOf(weights=...) must be {k} non-negative numbers (one per transform) "
                    f"with a positive sum, got {weights!r}"
                )
            self.weights = [float(v) for v in w]
            self._w = w / w.sum()

    def _run(self, rng: np.random.Generator | None, batch: Any, inner: Any) -> tuple[Any, Any]:
        n = batch_len(batch)
        if rng is not None:
            choice = rng.choice(len(self.transforms), size=n, p=self._w)
            steps: list[Params | None] = [None] * len(self.transforms)
        else:
            choice, steps = np.asarray(inner["choice"]), list(inner["steps"])
        parts: list[tuple[np.ndarray, Any]] = []
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
class SomeOf(_Composition):
    """Apply ``n`` of ``transforms`` to each sample, chosen without replacement, in listed order.

    ``n`` is an int, or a ``(low, high)`` pair: each sample then gets a count drawn uniformly in
    ``[low, high]`` (inclusive).
    """

    def __init__(self, transforms: Sequence[Transform] | Transform, n: int | Sequence[int] = 1,
                 p: float = 1.0, seed: SeedLike = None) -> None:
        super().__init__(transforms, p=p, seed=seed)
        k = len(self.transforms)
        pair = list(n) if isinstance(n, (list, tuple)) else [n, n]
        ints = [int(v) for v in pair if is_int(v)]
        if len(pair) != 2 or len(ints) != 2 or not 0 <= ints[0] <= ints[1] <= k:
            raise ConfigError(
                f"SomeOf(n=...) must be an int or a (low, high) pair with 0 <= low <= high <= {k} "
                f"(the number of transforms), got {n!r}"
            )
        self.n = ints if isinstance(n, (list, tuple)) else ints[0]
        self._lo, self._hi = ints

    def _run(self, rng: np.random.Generator | None, batch: Any, inner: Any) -> tuple[Any, Any]:
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

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {**super().example_args(), "n": [1, 2]}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{"n": 5}, {"n": [2, 1]}, {"n": -1}, {"n": 1.5}]


def _run_child(t: Transform, rng: np.random.Generator | None, sub: Any, steps: list[Any],
               k: int) -> Any:
    """Draw into ``steps[k]`` (``rng`` given) or replay ``steps[k]`` for child ``t`` on ``sub``."""
    if rng is None:
        return t.replay(sub, steps[k])
    out, steps[k] = t.sample_apply(rng, sub)
    return out


def _gather(batch: Any, parts: list[tuple[np.ndarray, Any]], owner: str) -> Any:
    """Put each ``(idx, out)`` part into a copy of ``batch``; parts must keep the sample shape."""
    for _, sub in parts:
        if not _same_shape(batch, sub):
            raise ShapeError(
                f"{owner}: a child changed the sample shape/dtype from "
                f"{batch.shape[1:]}/{batch.dtype} to {sub.shape[1:]}/{sub.dtype}; children of "
                f"{owner} must keep the shape"
            )
    if isinstance(batch, np.ndarray):
        out = batch.copy()
        for idx, sub in parts:
            out[idx] = sub
        return out
    out_list = list(batch)
    for idx, sub in parts:
        for j, i in enumerate(idx):
            out_list[i] = sub[j]
    return out_list


__all__ = ["Compose", "OneOf", "SomeOf", "Sometimes"]
