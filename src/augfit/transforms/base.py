"""The Transform contract that every modality shares: sample parameters, then apply them.

A transform draws every random choice for a batch in :meth:`Transform.sample` (including whether it
applies to each sample, from ``p``) and applies them in :meth:`Transform.apply`, which is pure and
deterministic. The parameters are a plain dict, so any augmented batch can be replayed and shown.

Subclasses implement two hooks:

``sample_params(rng, batch, n) -> dict``
    Per-sample parameters: arrays (or lists) whose first axis has length ``n``; scalars are allowed
    for values shared by the whole batch. Draw them for all ``n`` samples (vectorized).
``apply_params(batch, params) -> batch``
    Apply to a batch in which every sample is to be transformed; ``params`` has already been
    restricted to those samples. Must not modify ``batch`` in place.

and optionally ``check_batch(batch)`` (raise :class:`~augfit.errors.ShapeError` on bad input).

Example
-------
>>> import numpy as np
>>> from augfit.transforms.image import HorizontalFlip
>>> flip = HorizontalFlip(p=0.5)
>>> x = np.zeros((4, 8, 8), np.uint8)
>>> params = flip.sample(np.random.default_rng(0), x)
>>> out = flip.apply(x, params)            # same as flip(x, rng=np.random.default_rng(0))
"""
from __future__ import annotations

import inspect
import json
from typing import Any, ClassVar, Sequence

import numpy as np

from ..errors import ConfigError
from ..rng import SeedLike, as_generator

Params = dict[str, Any]


def check_probability(p: object, name: str = "p", owner: str = "") -> float:
    """Validate a probability in [0, 1] and return it as float."""
    where = f"{owner}({name}=...)" if owner else name
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise ConfigError(f"{where} must be a number in [0, 1], got {p!r}")
    if not 0.0 <= float(p) <= 1.0:
        raise ConfigError(f"{where} must be in [0, 1], got {p!r}")
    return float(p)


def batch_len(batch: Any) -> int:
    """Number of samples in a batch (array first axis, or list length)."""
    if isinstance(batch, np.ndarray):
        if batch.ndim == 0:
            from ..errors import ShapeError

            raise ShapeError("expected a batch, got a 0-d array; pass an array with a batch axis first")
        return int(batch.shape[0])
    return len(batch)


def select(params: Params, idx: np.ndarray, n: int) -> Params:
    """Restrict per-sample entries (first axis of length ``n``) of ``params`` to ``idx``."""
    out: Params = {}
    for k, v in params.items():
        if isinstance(v, np.ndarray) and v.ndim >= 1 and v.shape[0] == n:
            out[k] = v[idx]
        elif isinstance(v, list) and len(v) == n:
            out[k] = [v[i] for i in idx]
        else:
            out[k] = v
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, Transform):
        return v.to_dict()
    return v


class Transform:
    """Base class of augfit transforms (batch in, batch out).

    Attributes
    ----------
    p : float
        Probability that the transform applies to each sample; ``p=0`` is exactly the identity.
    modality : str
        "image", "text", "audio" or "any".
    deterministic : bool
        True for steps that draw nothing (e.g. a featurizer-like MelSpectrogram).
    """

    modality: ClassVar[str] = "any"
    deterministic: ClassVar[bool] = False
    registered_name: ClassVar[str]

    def __init__(self, p: float = 1.0) -> None:
        self.p = check_probability(p, owner=type(self).__name__)

    # -- hooks for subclasses ------------------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, batch: Any, n: int) -> Params:
        return {}

    def apply_params(self, batch: Any, params: Params) -> Any:
        raise NotImplementedError

    def check_batch(self, batch: Any) -> None:
        """Raise ShapeError if ``batch`` is not a valid input; default accepts anything."""

    # -- the contract ---------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, batch: Any) -> Params:
        """Draw all random choices for ``batch``: ``{"applied": bool (N,), **per-sample params}``."""
        self.check_batch(batch)
        n = batch_len(batch)
        applied = rng.random(n) < self.p
        params = self.sample_params(rng, batch, n)
        params["applied"] = applied
        return params

    def apply(self, batch: Any, params: Params) -> Any:
        """Apply drawn parameters; pure and deterministic. Unapplied samples are returned unchanged."""
        self.check_batch(batch)
        n = batch_len(batch)
        applied = np.asarray(params.get("applied", np.ones(n, bool)), dtype=bool)
        if applied.shape != (n,):
            from ..errors import ShapeError

            raise ShapeError(
                f"{type(self).__name__}.apply: params were drawn for {applied.shape[0]} samples but the "
                f"batch has {n}; replay a record on the batch it was drawn for"
            )
        if not applied.any():
            return batch
        if applied.all():
            return self.apply_params(batch, params)
        idx = np.flatnonzero(applied)
        sub = self.apply_params(_take(batch, idx), select(params, idx, n))
        return _put(batch, idx, sub)

    def __call__(self, batch: Any, rng: SeedLike = None, return_params: bool = False) -> Any:
        """Sample with ``rng`` (a Generator or seed; fresh entropy if None) and apply."""
        params = self.sample(as_generator(rng, "rng"), batch)
        out = self.apply(batch, params)
        return (out, params) if return_params else out

    # -- serialization --------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, read from attributes of the same names."""
        cfg: dict[str, Any] = {}
        for name, par in inspect.signature(type(self).__init__).parameters.items():
            if name == "self" or par.kind in (par.VAR_POSITIONAL, par.VAR_KEYWORD):
                continue
            cfg[name] = _jsonable(getattr(self, name))
        return cfg

    def to_dict(self) -> dict[str, Any]:
        """``{"type": registered name, **constructor arguments}`` (JSON-compatible)."""
        name = getattr(type(self), "registered_name", type(self).__name__)
        return {"type": name, **self.get_config()}

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Transform":
        """Build a transform (or composition) from :meth:`to_dict` output, via the registry."""
        from ..registry import TRANSFORMS

        if not isinstance(d, dict) or "type" not in d:
            raise ConfigError(f"a transform dict needs a 'type' key naming a transform, got {d!r}")
        cfg = dict(d)
        cls = TRANSFORMS.get(cfg.pop("type"))
        if hasattr(cls, "_from_config"):
            return cls._from_config(cfg)
        return cls(**cfg)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _take(batch: Any, idx: np.ndarray) -> Any:
    if isinstance(batch, np.ndarray):
        return batch[idx]
    return [batch[i] for i in idx]


def _put(batch: Any, idx: np.ndarray, sub: Any) -> Any:
    if isinstance(batch, np.ndarray):
        out = batch.copy()
        out[idx] = sub
        return out
    out_list = list(batch)
    for j, i in enumerate(idx):
        out_list[i] = sub[j]
    return out_list


def check_range(value: Sequence[float] | float, name: str, owner: str, lo: float = -np.inf,
                hi: float = np.inf, symmetric: bool = False) -> tuple[float, float]:
    """Validate a ``(low, high)`` range (or a single number meaning ``(-v, v)`` when symmetric)."""
    where = f"{owner}({name}=...)"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        if not symmetric:
            raise ConfigError(f"{where} must be a (low, high) pair, got {value!r}")
        v = float(value)
        if v < 0:
            raise ConfigError(f"{where} must be >= 0 when given as one number, got {value!r}")
        rng_ = (-v, v)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in value
    ):
        rng_ = (float(value[0]), float(value[1]))
    else:
        raise ConfigError(f"{where} must be a number or a (low, high) pair of numbers, got {value!r}")
    if not (np.isfinite(rng_[0]) and np.isfinite(rng_[1])):
        raise ConfigError(f"{where} must be finite, got {value!r}")
    if rng_[0] > rng_[1]:
        raise ConfigError(f"{where}: low cannot be greater than high, got {value!r}")
    if rng_[0] < lo or rng_[1] > hi:
        raise ConfigError(f"{where} must lie within [{lo}, {hi}], got {value!r}")
    return rng_


__all__ = ["Transform", "Params", "check_probability", "check_range", "batch_len", "select"]
