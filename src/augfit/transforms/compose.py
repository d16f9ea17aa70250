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
from typing import Any, ClassVar, Protocol, TypeGuard

import numpy as np

from ..errors import ConfigError
from ..registry import TRANSFORMS
from ..rng import SeedLike
from .base import (
    Params,
    Transform,
)
from .choice import OneOf, SomeOf
from .composition import _Composition
from .constraints import Boolean, Table
from .records import BatchT


class Fusable(Protocol):
    """A step that Compose may fuse with its neighbours into one resampling (the geometric image
    transforms, :class:`~augfit.transforms.image.core.GeometricTransform`)."""

    fuse_geometry: bool

    def can_fuse_with(self, other: object) -> bool: ...

    @staticmethod
    def fused(group: Sequence[Transform[BatchT]], batch: BatchT,
              rng: np.random.Generator | None = None, params: Sequence[Params] | None = None
              ) -> tuple[BatchT, list[Params]]: ...


def _fusable(t: object) -> TypeGuard[Fusable]:
    return bool(getattr(t, "fuse_geometry", False))


@TRANSFORMS.register()
class Compose(_Composition[BatchT]):
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

    fuse: bool
    _parameter_constraints: ClassVar[Table] = {"fuse": Boolean()}

    def __init__(self, transforms: Sequence[Transform[BatchT]] | Transform[BatchT],
                 seed: SeedLike = None, p: float = 1.0, fuse: bool = True) -> None:
        del fuse  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(transforms, p=p, seed=seed)

    def _groups(self) -> list[list[Transform[BatchT]]]:
        groups: list[list[Transform[BatchT]]] = []
        for t in self.transforms:
            head, step = (groups[-1][0] if groups else None), t  # step: narrowed, t: kept
            if self.fuse and _fusable(step) and _fusable(head) and head.can_fuse_with(t):
                groups[-1].append(t)
            else:
                groups.append([t])
        return groups

    def _run(self, rng: np.random.Generator | None, batch: BatchT, inner: Any
             ) -> tuple[BatchT, list[Params]]:
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
class Sometimes(Compose[BatchT]):
    """Apply ``transforms`` (in order) to each sample with probability ``p``.

    Example: ``Sometimes(0.3, [Rotate(10), Contrast(0.2)])``.
    """

    def __init__(self, p: float = 0.5,
                 transforms: Sequence[Transform[BatchT]] | Transform[BatchT] = (),
                 seed: SeedLike = None, fuse: bool = True) -> None:
        Compose.__init__(self, transforms, seed=seed, p=p, fuse=fuse)


__all__ = ["Compose", "OneOf", "SomeOf", "Sometimes"]
