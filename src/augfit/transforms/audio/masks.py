"""SpecAugment (Park et al. 2019) on ``(N, F, T)`` spectrograms: frequency/time masks, time warping.

Every sample gets its own masks, drawn for the whole batch at once: ``num_masks`` widths uniform in
``[0, max_width]`` and starts uniform among the positions where the mask fits inside the array.
Masks may overlap (as in SpecAugment), so the masked count of a sample is the size of the union.
:meth:`apply_params` copies the batch once and writes the fill value into the masked rows/columns of
that copy with one fancy-indexed assignment (no per-sample Python loop).

``mask_value``: ``"mean"`` (each spectrogram's own mean, computed before masking), ``"band_mean"``
(each mel band's own mean over time in that spectrogram: a masked cell keeps its band's level, which
is SpecAugment's "mean" after a per-band normalization such as ``audio_logmel``'s), ``"zero"``, or a
float (e.g. the dB floor ``-100.0``). NaNs in the input are not checked here: they pass through, and
make a ``"mean"`` fill NaN.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...checks import is_finite, is_number
from ...errors import ConfigError, ShapeError
from ...registry import TRANSFORMS
from ..base import MAX_COUNT, MAX_FRAMES, Params, Transform
from ..constraints import Check, Integer, Real, Table
from .core import check_spectrograms


def check_mask_value(value: object, owner: str) -> str | float:
    """Validate ``mask_value``: ``"mean"``, ``"band_mean"``, ``"zero"`` or a finite number."""
    if isinstance(value, str):
        if value not in ("mean", "band_mean", "zero"):
            raise ConfigError(f"{owner}(mask_value=...) must be 'mean', 'band_mean', 'zero' or a "
                              f"number, got {value!r}")
        return value
    if not is_number(value) or not is_finite(value) or abs(value) > 1e6:
        raise ConfigError(f"{owner}(mask_value=...) must be 'mean', 'band_mean', 'zero' or a "
                          f"finite number within [-1e6, 1e6], got {value!r}")
    return float(value)


def fill_values(batch: np.ndarray, mask_value: str | float) -> np.ndarray:
    """Fill values ``(N, F)`` (one per sample and mel band) in the batch dtype."""
    if mask_value == "band_mean":
        result: np.ndarray = batch.mean(axis=2).astype(batch.dtype, copy=False)
        return result
    if mask_value == "mean":
        per_sample = batch.mean(axis=(1, 2))
    else:
        per_sample = np.full(batch.shape[0], 0.0 if mask_value == "zero" else float(mask_value))
    return np.broadcast_to(per_sample.astype(batch.dtype)[:, None], batch.shape[:2])


def band_mask(start: np.ndarray, width: np.ndarray, length: int) -> np.ndarray:
    """Boolean ``(N, length)``: True where one of the ``(N, K)`` bands ``[start, start + width)``
    covers."""
    pos = np.arange(length)
    inside = (pos >= start[..., None]) & (pos < (start + width)[..., None])
    result: np.ndarray = inside.any(axis=1)
    return result


class _AxisMask(Transform[np.ndarray]):
    """Shared logic of FrequencyMask (axis 1) and TimeMask (axis 2)."""

    modality = "audio"
    family = "masks"
    axis: ClassVar[int]
    max_width: int
    num_masks: int
    mask_value: str | float
    _parameter_constraints: ClassVar[Table] = {
        "max_width": Integer(1, MAX_FRAMES), "num_masks": Integer(1, MAX_COUNT),
        "mask_value": Check(lambda v, _name, owner, _seen: check_mask_value(v, owner),
                            bad=("median", float("nan"), float("inf"), 1e7, None))}

    def __init__(self, max_width: int, num_masks: int, mask_value: str | float, p: float) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del max_width, num_masks, mask_value
        super().__init__(p)

    def check_batch(self, batch: object) -> None:
        check_spectrograms(batch, type(self).__name__)

    def width_limit(self, length: int) -> int:
        return min(self.max_width, length)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        length = batch.shape[self.axis]
        upper = self.width_limit(length)
        width = rng.integers(0, upper + 1, size=(n, self.num_masks))
        # start uniform in [0, length - width]; floor(u * (room + 1)) keeps it inside for any width
        start = np.floor(rng.random((n, self.num_masks)) * (length - width + 1)).astype(np.int64)
        return {"start": start, "width": width.astype(np.int64)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        start = np.asarray(params["start"], np.int64)
        width = np.asarray(params["width"], np.int64)
        length = batch.shape[self.axis]
        if start.shape != width.shape or start.shape[0] != batch.shape[0]:
            raise ShapeError(
                f"{type(self).__name__}: params for {start.shape[0]} samples do not fit a batch of "
                f"{batch.shape[0]}; replay a record on the batch it was drawn for"
            )
        if start.size and (start.min() < 0 or (start + width).max() > length):
            raise ShapeError(
                f"{type(self).__name__}: recorded masks reach past the {length} positions of axis "
                f"{self.axis}; replay a record on spectrograms of the shape it was drawn for"
            )
        fill = fill_values(batch, self.mask_value)
        rows, cols = np.nonzero(band_mask(start, width, length))
        out = batch.copy()
        if self.axis == 1:
            out[rows, cols, :] = fill[rows, cols, None]
        else:
            out[rows, :, cols] = fill[rows]
        result: np.ndarray = out
        return result

    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray:
        return (rng.standard_normal((4, 20, 32)) * 10.0 - 40.0).astype(np.float32)


@TRANSFORMS.register()
class FrequencyMask(_AxisMask):
    """Mask ``num_masks`` bands of up to ``max_width`` mel channels per spectrogram ``(N, F, T)``.

    Shape and dtype are kept. See the module docstring for the sampling and ``mask_value``.

    Example
    -------
    >>> import numpy as np
    >>> spec = np.ones((2, 40, 63), np.float32)
    >>> out = FrequencyMask(max_width=8, num_masks=2, mask_value="zero")(spec, rng=0)
    >>> out.shape, bool((out == 0).all(axis=2).sum(axis=1).max() <= 16)
    ((2, 40, 63), True)
    """

    axis = 1

    def __init__(self, max_width: int = 8, num_masks: int = 2, mask_value: str | float = "mean",
                 p: float = 1.0) -> None:
        super().__init__(max_width, num_masks, mask_value, p)


@TRANSFORMS.register()
class TimeMask(_AxisMask):
    """Mask ``num_masks`` spans of up to ``max_width`` frames per spectrogram ``(N, F, T)``.

    As in SpecAugment, a span is also at most ``floor(max_fraction * T)`` frames long, so short
    clips are not masked away. Shape and dtype are kept.

    Example
    -------
    >>> import numpy as np
    >>> spec = np.ones((2, 40, 63), np.float32)
    >>> TimeMask(max_width=10, num_masks=2, max_fraction=0.2, mask_value=-100.0)(spec, rng=0).shape
    (2, 40, 63)
    """

    axis = 2
    max_fraction: float
    _parameter_constraints: ClassVar[Table] = {"max_fraction": Real(0, 1, low_open=True)}

    def __init__(self, max_width: int = 10, num_masks: int = 2, max_fraction: float = 1.0,
                 mask_value: str | float = "mean", p: float = 1.0) -> None:
        del max_fraction  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(max_width, num_masks, mask_value, p)

    def width_limit(self, length: int) -> int:
        return min(self.max_width, length, int(np.floor(self.max_fraction * length)))


@TRANSFORMS.register()
class TimeWarp(Transform[np.ndarray]):
    """SpecAugment time warping: stretch one side of a random frame and squeeze the other.

    Per spectrogram ``(F, T)``, a centre frame ``c`` (at least ``W + 1`` frames from both ends)
    moves to ``c + w`` with ``w`` uniform in ``[-W, W]`` (``W = max_warp``, reduced for short
    spectrograms); frames ``[0, c]`` are linearly resampled onto ``[0, c + w]`` and ``[c, T - 1]``
    onto ``[c + w, T - 1]`` (linear interpolation along time, the same for every mel band). The
    first and last frames stay in place; ``w = 0`` is the identity. Shape and dtype are kept.
    """

    modality = "audio"
    family = "masks"
    max_warp: int
    _parameter_constraints: ClassVar[Table] = {"max_warp": Integer(1, MAX_FRAMES)}

    def __init__(self, max_warp: int = 5, p: float = 1.0) -> None:
        del max_warp  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def check_batch(self, batch: object) -> None:
        check_spectrograms(batch, type(self).__name__)
        assert isinstance(batch, np.ndarray)  # check_spectrograms refuses anything else
        if batch.shape[2] < 3:
            raise ShapeError(
                f"TimeWarp: needs at least 3 frames, got spectrograms of shape {batch.shape}")

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        frames = batch.shape[2]
        w = min(self.max_warp, (frames - 3) // 2)
        center = rng.integers(w + 1, frames - 1 - w, size=n)
        warp = rng.integers(-w, w + 1, size=n)
        return {"center": center.astype(np.int64), "warp": warp.astype(np.int64)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        frames = batch.shape[2]
        c = np.asarray(params["center"], np.float64)[:, None]
        new = c + np.asarray(params["warp"], np.float64)[:, None]
        if new.size and (min(new.min(), c.min()) < 1 or max(new.max(), c.max()) > frames - 2):
            raise ShapeError(f"TimeWarp: recorded centres do not fit {frames} frames; replay a "
                             "record on spectrograms of the shape it was drawn for")
        t = np.arange(frames, dtype=np.float64)[None, :]
        src = np.where(t < new, t * c / new, c + (t - new) * (frames - 1 - c) / (frames - 1 - new))
        i0 = np.clip(np.floor(src).astype(np.int64), 0, frames - 2)
        frac = (src - i0).astype(batch.dtype)[:, None, :]
        left = np.take_along_axis(batch, i0[:, None, :], axis=2)
        right = np.take_along_axis(batch, i0[:, None, :] + 1, axis=2)
        # (1 - a) * l + a * r is exact at a = 0 and a = 1 (identity for w = 0, ends kept)
        result: np.ndarray = (left * (1 - frac) + right * frac).astype(batch.dtype, copy=False)
        return result

    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray:
        return _AxisMask.example_batch(rng)


__all__ = ["FrequencyMask", "TimeMask", "TimeWarp", "band_mask", "check_mask_value", "fill_values"]
