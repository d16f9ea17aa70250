"""Base classes of the image transforms: input checks, and geometric steps as affine matrices.

A :class:`GeometricTransform` describes each sample's change as a forward 3x3 matrix (input pixel
-> output pixel, OpenCV pixel convention). That is what lets a Compose fuse consecutive geometric
steps: it multiplies their matrices and resamples once (:meth:`GeometricTransform.fused`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...checks import check_number, is_int
from ...errors import ConfigError
from ..base import (
    MAX_SIDE,
    Params,
    Transform,
    batch_len,
    check_record,
    select,
)
from ..constraints import Constraint
from . import functional as F


class ImageTransform(Transform[np.ndarray]):
    """A transform of image batches (N, H, W) or (N, H, W, C), uint8 or float32 in [0, 1]."""

    modality: ClassVar[str] = "image"

    def check_batch(self, batch: object) -> None:
        F.check_images(batch, type(self).__name__)


def check_fill(fill: object, owner: str) -> float:
    """A fill value given as a fraction of the maximum: 0 black, 1 white."""
    return check_number(fill, "fill", owner, 0, 1,
                        hint=" (a fraction of the maximum value: 0 black, 1 white)")


def check_size(size: object, owner: str, name: str = "size", allow_none: bool = True
               ) -> tuple[int, int] | None:
    """``None`` (keep the input size), an int (square) or an ``(height, width)`` pair."""
    if size is None and allow_none:
        return None
    pair = [size, size] if isinstance(size, (int, np.integer)) else size
    if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(
            is_int(v) and 1 <= v <= MAX_SIDE for v in pair):
        keep = "None (keep the input size), " if allow_none else ""
        raise ConfigError(f"{owner}({name}=...) must be {keep}an int in [1, {MAX_SIDE}] or a "
                          f"(height, width) pair of them, got {size!r}")
    return int(pair[0]), int(pair[1])


def size_config(size: object) -> object:
    """How a validated size is stored for ``to_dict`` (lists, not tuples)."""
    return list(size) if isinstance(size, tuple) else size


@dataclass(frozen=True)
class Size(Constraint):
    """An output size: an int (square) or a ``(height, width)`` pair, each in [1, MAX_SIDE];
    ``None`` (keep the input size) too with ``allow_none``. Kept as given."""

    allow_none: bool = True
    keep: str = field(default="given", kw_only=True)

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]
              ) -> tuple[int, int] | None:
        del seen
        return check_size(value, owner, name, self.allow_none)

    def invalid(self) -> list[object]:
        return [0, [8, -1], [4, 4, 4], "big", MAX_SIDE + 1] + ([] if self.allow_none else [None])


def identity(n: int) -> np.ndarray:
    """``n`` identity 3x3 matrices (float64), to be filled in place."""
    m = np.zeros((n, 3, 3))
    m[:, 0, 0] = m[:, 1, 1] = m[:, 2, 2] = 1.0
    return m


_IDENTITY_ROWS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def moved(forward: np.ndarray) -> np.ndarray:
    """Indices of the affine maps ``(N, 3, 3)`` that differ from the identity (beyond 1e-12)."""
    return np.flatnonzero(np.abs(forward[:, :2, :] - _IDENTITY_ROWS).max(axis=(1, 2)) > 1e-12)


def resize_matrix(box: np.ndarray, out_hw: Sequence[int]) -> np.ndarray:
    """Forward matrices taking the boxes ``(N, 4) = (y0, x0, h, w)`` of the input onto the output.

    Uses ``cv2.resize``'s half-pixel convention: output pixel ``u`` samples input
    ``x0 + (u + 0.5) * w / out_w - 0.5``.
    """
    n = box.shape[0]
    sy, sx = out_hw[0] / box[:, 2], out_hw[1] / box[:, 3]
    m = identity(n)
    m[:, 0, 0], m[:, 1, 1] = sx, sy
    m[:, 0, 2] = (0.5 - box[:, 1]) * sx - 0.5
    m[:, 1, 2] = (0.5 - box[:, 0]) * sy - 0.5
    return m


def stand_in(batch: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A read-only batch of ``batch``'s length and dtype whose samples have ``shape``, all zeros
    and without memory of its own: what a step inside a fused group draws on, since the
    intermediate batch it would see step by step is never made."""
    return np.broadcast_to(np.zeros((), batch.dtype), (batch.shape[0], *shape))


class GeometricTransform(ImageTransform):
    """An image transform that moves pixels by one affine map per sample.

    Subclasses implement ``sample_geometry(rng, n, hw) -> params`` and
    ``matrices(params, hw) -> (n, 3, 3)`` (forward maps for samples it applies to), and may set
    ``output_hw``, ``base_matrices`` (what a sample it does not apply to gets, default identity),
    ``fill`` and ``resamples = False`` with an exact ``apply_exact`` (flips and crops).
    Draws depend on the sample shape only, never on the pixels: inside a fused group a step
    draws on a stand-in of the shape it would see (:func:`stand_in`).
    """

    fuse_geometry: ClassVar[bool] = True
    resamples: ClassVar[bool] = True
    fill: float | None = None

    # -- subclass hooks ---------------------------------------------------------------------------
    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del rng, n, hw
        return {}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        raise NotImplementedError

    def output_hw(self, hw: tuple[int, int]) -> tuple[int, int]:
        return hw

    def base_matrices(self, n: int, hw: tuple[int, int]) -> np.ndarray:
        del hw
        return identity(n)

    def apply_exact(self, batch: np.ndarray, params: Params) -> np.ndarray:
        raise NotImplementedError

    # -- the Transform contract -----------------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        return self.sample_geometry(rng, n, batch.shape[1:3])

    def full_matrices(self, params: Params, hw: tuple[int, int], n: int) -> np.ndarray:
        """Forward matrices of all samples: drawn where applied, ``base_matrices`` elsewhere."""
        applied = np.asarray(params.get("applied", np.ones(n, bool)), bool)
        if applied.all():      # every sample drawn: its matrices are the whole answer
            return self.matrices(params, hw)
        m = self.base_matrices(n, hw)
        if applied.any():
            idx = np.flatnonzero(applied)
            m[idx] = self.matrices(select(params, idx, n), hw)
        return m

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        hw = batch.shape[1:3]
        if not self.resamples:
            return self.apply_exact(batch, params)
        m = self.matrices(params, hw)
        return F.warp_affine(batch, F.invert(m), self.output_hw(hw), self.fill or 0.0)

    def apply(self, batch: np.ndarray, params: Params) -> np.ndarray:
        if not isinstance(batch, np.ndarray) or batch.ndim < 3:
            self.check_batch(batch)  # raises the clear error before the shape is read
        hw = batch.shape[1:3]
        if self.output_hw(hw) == hw:
            return super().apply(batch, params)
        # The output size changes, so every sample goes through (base matrices where not applied).
        self.check_batch(batch)
        n = batch_len(batch)
        if not self.resamples:
            return self.apply_exact(batch, params)
        m = self.full_matrices(params, hw, n)
        return F.warp_affine(batch, F.invert(m), self.output_hw(hw), self.fill or 0.0)

    # -- fusion inside a Compose ----------------------------------------------------------------
    def can_fuse_with(self, other: object) -> bool:
        """Fusable if both are geometric and their border fills agree (None fits any fill)."""
        if not getattr(other, "fuse_geometry", False):
            return False
        a, b = self.fill, getattr(other, "fill", None)
        return a is None or b is None or a == b

    @staticmethod
    def fused(group: Sequence[GeometricTransform], batch: np.ndarray,
              rng: np.random.Generator | None = None, params: Sequence[Params] | None = None
              ) -> tuple[np.ndarray, list[Params]]:
        """Draw (``rng``) or replay (``params``) consecutive geometric steps, resampling once.

        Returns the output batch and each step's own parameters (the same dicts a step-by-step run
        draws, in the same order), so records stay replayable with or without fusion.
        """
        group[0].check_batch(batch)
        given: Sequence[Params] = params if params is not None else ()  # replay: rng is None
        if not any(t.resamples for t in group):
            drawn: list[Params] = []
            for i, t in enumerate(group):
                if rng is not None:
                    batch, p = t.sample_apply(rng, batch)
                else:
                    p = given[i]
                    batch = t.replay(batch, p)
                drawn.append(p)
            return batch, drawn
        n, hw = batch.shape[0], batch.shape[1:3]
        total, drawn, cur = identity(n), [], hw
        for i, t in enumerate(group):
            shape = (*cur, *batch.shape[3:])
            if rng is not None:
                p = t.draw_record(rng, stand_in(batch, shape))  # Transform.sample's one order
            else:
                p = given[i]
                check_record(t, batch, p, shape)
            total = t.full_matrices(p, cur, n) @ total
            cur = t.output_hw(cur)
            drawn.append(p)
        fills = [t.fill for t in group if t.fill is not None]
        fill = fills[0] if fills else 0.0
        if cur == hw:
            change = moved(total)
            if change.size < n:
                out = batch.copy()
                if change.size:
                    out[change] = F.warp_affine(batch[change], F.invert(total[change]), cur, fill)
                return out, drawn
        return F.warp_affine(batch, F.invert(total), cur, fill), drawn


__all__ = [
    "GeometricTransform",
    "ImageTransform",
    "Size",
    "check_fill",
    "check_size",
    "identity",
    "moved",
    "resize_matrix",
    "stand_in",
]
