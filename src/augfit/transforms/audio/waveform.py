"""Waveform augmentations on ``(N, T)`` float batches: AddNoise, TimeShift, Gain, TimeStretch and
PitchShift.

All keep the shape ``(N, T)`` and the dtype. AddNoise, TimeShift and Gain are vectorized over the
batch; TimeStretch and PitchShift call librosa once per clip (each clip has its own rate) and then
pad with zeros or crop back to ``T`` samples (``librosa.util.fix_length``). Input checks (stereo,
integer PCM, NaN) are in ``core.py``.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from ...errors import ShapeError
from ...registry import TRANSFORMS
from ...rng import seed_from
from ..base import MAX_SAMPLE_RATE, Params, Transform
from ..constraints import Boolean, Range, Real, Table
from .core import check_waveforms
from .mel import need_sample_rate


class _WaveformTransform(Transform[np.ndarray]):
    """Common base: modality, input check and clip-by-clip application."""

    modality = "audio"
    family = "waveform"

    def check_batch(self, batch: object) -> None:
        check_waveforms(batch, type(self).__name__)

    def _per_clip(self, batch: np.ndarray, values: np.ndarray,
                  fn: Callable[[np.ndarray, float], np.ndarray]) -> np.ndarray:
        """Apply ``fn(clip, value)`` clip by clip, then pad/crop each result back to ``T``."""
        import librosa

        length = batch.shape[1]
        out = np.empty_like(batch)
        for i, value in enumerate(np.asarray(values, np.float64)):
            clip = fn(np.ascontiguousarray(batch[i]), float(value))
            out[i] = librosa.util.fix_length(clip, size=length)
        return out


@TRANSFORMS.register()
class AddNoise(_WaveformTransform):
    """Add white Gaussian noise at a signal-to-noise ratio drawn per clip from ``snr_db`` (dB).

    The noise standard deviation is ``rms(clip) / 10 ** (snr / 20)``, so a silent clip stays silent.
    The noise itself comes from a Generator seeded by a seed drawn in :meth:`sample`, so a record
    (``{"snr_db": (N,), "seed": int}``) replays the same bytes without storing the noise.
    """

    snr_db: tuple[float, float]
    _parameter_constraints: ClassVar[Table] = {"snr_db": Range(keep="checked")}

    def __init__(self, snr_db: tuple[float, float] = (10.0, 40.0), p: float = 1.0) -> None:
        del snr_db  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"snr_db": self.uniform(rng, "snr_db", n), "seed": seed_from(rng)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        rms = np.sqrt(np.mean(np.square(batch, dtype=np.float64), axis=1))
        std = rms / 10.0 ** (np.asarray(params["snr_db"], np.float64) / 20.0)
        noise = np.random.Generator(np.random.PCG64(params["seed"])).standard_normal(batch.shape)
        result: np.ndarray = (batch + noise * std[:, None]).astype(batch.dtype, copy=False)
        return result


@TRANSFORMS.register()
class TimeShift(_WaveformTransform):
    """Shift each clip in time by a fraction of its length drawn from ``shift`` (negative: earlier).

    With ``rollover=True`` the samples pushed out at one end come back at the other (``np.roll``);
    otherwise the gap is filled with zeros.
    """

    shift: tuple[float, float]
    rollover: bool
    _parameter_constraints: ClassVar[Table] = {
        "shift": Range(-1.0, 1.0, symmetric=True, keep="checked"),
        "rollover": Boolean()}

    def __init__(self, shift: tuple[float, float] = (-0.2, 0.2), rollover: bool = True,
                 p: float = 1.0) -> None:
        del shift, rollover  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        frac = self.uniform(rng, "shift", n)
        return {"shift": np.round(frac * batch.shape[1]).astype(np.int64)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        length = batch.shape[1]
        src = np.arange(length)[None, :] - np.asarray(params["shift"], np.int64)[:, None]
        if self.rollover:
            return np.take_along_axis(batch, src % length, axis=1)
        valid = (src >= 0) & (src < length)
        out = np.take_along_axis(batch, np.clip(src, 0, length - 1), axis=1)
        out[~valid] = 0
        return out


@TRANSFORMS.register()
class Gain(_WaveformTransform):
    """Multiply each clip by ``10 ** (g / 20)`` with ``g`` drawn from ``db`` (no clipping)."""

    db: tuple[float, float]
    # +-120 dB is a factor of 1e6 either way: beyond it a clip is silence or overflow
    _parameter_constraints: ClassVar[Table] = {
        "db": Range(-120.0, 120.0, symmetric=True, keep="checked")}

    def __init__(self, db: tuple[float, float] = (-6.0, 6.0), p: float = 1.0) -> None:
        del db  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"db": self.uniform(rng, "db", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        factor = 10.0 ** (np.asarray(params["db"], np.float64) / 20.0)
        with np.errstate(over="ignore"):
            out = (batch * factor[:, None].astype(batch.dtype)).astype(batch.dtype, copy=False)
        bad = np.flatnonzero(~np.isfinite(out).all(axis=1))
        if bad.size:  # e.g. float16 clips: 1e6 times a loud sample overflows
            raise ShapeError(f"Gain: the gain overflowed {batch.dtype} to inf in clips "
                             f"{bad[:10].tolist()} (gain up to {float(np.max(params['db'])):.1f} "
                             f"dB); use float32 waveforms or a smaller db range")
        result: np.ndarray = out
        return result


@TRANSFORMS.register()
class TimeStretch(_WaveformTransform):
    """Speed each clip up (rate > 1) or down, keeping its pitch (``librosa.effects.time_stretch``).

    The stretched clip is cropped or zero-padded at the end back to ``T`` samples.
    """

    rate: tuple[float, float]
    _parameter_constraints: ClassVar[Table] = {"rate": Range(0.05, 20.0, keep="checked")}

    def __init__(self, rate: tuple[float, float] = (0.8, 1.25), p: float = 1.0) -> None:
        del rate  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"rate": self.uniform(rng, "rate", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        import librosa

        return self._per_clip(batch, params["rate"],
                              lambda y, r: librosa.effects.time_stretch(y, rate=r))


@TRANSFORMS.register()
class PitchShift(_WaveformTransform):
    """Shift the pitch of each clip by ``semitones`` drawn per clip (librosa ``pitch_shift``).

    Duration is kept (length restored to ``T``); ``sample_rate`` is that of the input.
    """

    sample_rate: float | None
    semitones: tuple[float, float]
    _parameter_constraints: ClassVar[Table] = {
        "sample_rate": Real(0, MAX_SAMPLE_RATE, low_open=True, allow_none=True),
        "semitones": Range(-24.0, 24.0, symmetric=True, keep="checked")}

    def __init__(self, sample_rate: float | None = None,
                 semitones: tuple[float, float] = (-2.0, 2.0), p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del sample_rate, semitones
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"semitones": self.uniform(rng, "semitones", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        import librosa

        sr = need_sample_rate(self)
        return self._per_clip(batch, params["semitones"],
                              lambda y, s: librosa.effects.pitch_shift(y, sr=sr, n_steps=s))


__all__ = ["AddNoise", "Gain", "PitchShift", "TimeShift", "TimeStretch"]
