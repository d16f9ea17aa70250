"""What every composition shares (see :mod:`.compose` for Compose, OneOf, SomeOf and Sometimes):
children given as transforms or transform dicts, an own Generator made from ``seed``, the per-sample
``p`` of the whole group, and putting the outputs of children back into the batch.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..checks import is_int
from ..errors import ConfigError, ShapeError
from ..rng import SeedLike, as_generator
from ..rng import _check_seed as _check_rng_seed
from .base import (
    RECORD_KEY,
    Params,
    Transform,
    applied_mask,
    batch_len,
    check_record,
    drawn_on,
    sample_shape,
)
from .calling import call_transform
from .constraints import Check, Table
from .records import BatchT, _put, _take

if TYPE_CHECKING:
    from typing_extensions import Self


def _as_transforms(transforms: object, owner: str) -> list[Transform[Any]]:
    """The children as transforms (dicts built through the registry); their batch type is
    whatever the user gave, so it is known only at run time."""
    if isinstance(transforms, Transform):
        return [transforms]
    if not isinstance(transforms, (list, tuple)) or not transforms:
        raise ConfigError(
            f"{owner}(transforms=...) must be a non-empty list of transforms, got {transforms!r}"
        )
    out: list[Transform[Any]] = []
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


def _check_seed(seed: object, name: str, owner: str, seen: Mapping[str, object]) -> int | None:
    """A composition's own seed: None or a non-negative int (what serializes)."""
    del seen
    _check_rng_seed(seed, f"{owner}({name}=...)")
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise ConfigError(
            f"{owner}({name}=...) must be None or an int so that it can be "
            f"serialized, got {type(seed).__name__}; pass a Generator per call with rng=..."
        )
    return int(seed) if is_int(seed) else None  # else None: the check above let only these by


def _shape_changed(a: object, b: object) -> bool:
    """True if ``a`` and ``b`` are arrays whose samples differ in shape or dtype."""
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return bool(a.shape[1:] != b.shape[1:] or a.dtype != b.dtype)
    return False


class _Composition(Transform[BatchT]):
    """Shared parts: children, an own Generator, and the per-sample ``p`` of the whole group."""

    modality = "any"
    transforms: list[Transform[BatchT]]
    seed: int | None
    _parameter_constraints: ClassVar[Table] = {
        "transforms": Check(lambda v, _name, owner, _seen: _as_transforms(v, owner),
                            bad=([], ["Rotate"], "Rotate", 3)),
        "seed": Check(_check_seed, bad=(-1, "abc", 1.5, True, np.random.SeedSequence(0)))}

    def __init__(self, transforms: object, p: float = 1.0, seed: SeedLike = None) -> None:
        del transforms, seed  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)
        self._rng = as_generator(self.seed)

    def reset(self) -> None:
        """Restart the own Generator from ``seed`` (a fresh instance gives the same stream)."""
        self._rng = as_generator(self.seed)

    def check_batch(self, batch: object) -> None:
        self.transforms[0].check_batch(batch)

    # -- the group-level p ----------------------------------------------------------------------
    def sample_apply(self, rng: np.random.Generator, batch: BatchT) -> tuple[BatchT, Params]:
        self.check_batch(batch)
        n = batch_len(batch)
        applied = self.draw_applied(rng, n)
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

    def sample(self, rng: np.random.Generator, batch: BatchT) -> Params:
        return self.sample_apply(rng, batch)[1]

    def apply(self, batch: BatchT, params: Params) -> BatchT:
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

    def _put_back(self, batch: BatchT, idx: np.ndarray, sub: BatchT) -> BatchT:
        if isinstance(batch, np.ndarray) and isinstance(sub, np.ndarray) and \
                _shape_changed(batch, sub):
            raise ShapeError(
                f"{type(self).__name__}(p<1): its steps change the sample shape from "
                f"{batch.shape[1:]} to {sub.shape[1:]}, so untouched samples cannot stay in the "
                f"batch; use p=1 or a size-keeping step"
            )
        return _put(batch, idx, sub)

    def _run(self, rng: np.random.Generator | None, batch: BatchT, inner: Any
             ) -> tuple[BatchT, Params | list[Params]]:
        """Draw (``rng`` given) or replay (``inner`` given) the group on a batch it fully covers.

        ``inner`` is the record's ``"inner"`` entry as given to replay (checked as it is read:
        a damaged one fails inside and :meth:`Transform.replay` names it)."""
        raise NotImplementedError

    # -- labels ---------------------------------------------------------------------------------
    def changes_labels(self) -> bool:
        return any(t.changes_labels() for t in self.transforms)

    def apply_targets(self, targets: np.ndarray, params: Params) -> np.ndarray:
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

    def __call__(self, batch: object = None, rng: SeedLike = None, return_params: bool = False,
                 *, layout: str | None = None, **targets: object) -> Any:
        """Augment ``batch``, drawing from ``rng`` if given, else from the own stream (tensors,
        ``layout=`` and ``image=`` as in :meth:`Transform.__call__`)."""
        gen = self._rng if rng is None else as_generator(rng, "rng")
        return call_transform(type(self).__name__, lambda x: self.sample_apply(gen, x), batch,
                              return_params, layout, targets)

    @classmethod
    def _from_config(cls, cfg: dict[str, Any]) -> Self:
        cfg = dict(cfg)
        if "transforms" in cfg:
            cfg["transforms"] = _as_transforms(cfg["transforms"], cls.__name__)
        return cls(**cfg)


def _run_child(t: Transform[BatchT], rng: np.random.Generator | None, sub: BatchT,
               steps: list[Any], k: int) -> BatchT:
    """Draw into ``steps[k]`` (``rng`` given) or replay ``steps[k]`` for child ``t`` on ``sub``."""
    if rng is None:
        return t.replay(sub, steps[k])
    out, steps[k] = t.sample_apply(rng, sub)
    return out


def _gather(batch: BatchT, parts: list[tuple[np.ndarray, BatchT]], owner: str) -> BatchT:
    """Put each ``(idx, out)`` part into a copy of ``batch``; parts must keep the sample shape."""
    for _, sub in parts:
        if isinstance(batch, np.ndarray) and isinstance(sub, np.ndarray) and \
                _shape_changed(batch, sub):
            raise ShapeError(
                f"{owner}: a child changed the sample shape/dtype from "
                f"{batch.shape[1:]}/{batch.dtype} to {sub.shape[1:]}/{sub.dtype}; children of "
                f"{owner} must keep the shape"
            )
    if isinstance(batch, np.ndarray):
        out: np.ndarray = batch.copy()
        for idx, sub in parts:
            out[idx] = sub
        return out
    out_list = list(batch)
    for idx, sub in parts:
        for j, i in enumerate(idx):
            out_list[i] = sub[j]
    return out_list
