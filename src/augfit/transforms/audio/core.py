"""What an audio batch must be: the input checks shared by the audio transforms, the WAV reader
(:mod:`augfit.data.wav`) and the ``audio_logmel`` featurizer (:mod:`augfit.data.features`).

Waveform batches are ``(N, T)`` float arrays of mono audio in [-1, 1]; spectrogram batches are
``(N, F, T)`` float arrays. Every rejected input gets a :class:`~augfit.errors.ShapeError` that says
how to turn it into a valid one.
"""
from __future__ import annotations

import numpy as np

from ...checks import check_ndim
from ...errors import ShapeError


def check_waveforms(batch: object, owner: str, check_finite: bool = True) -> None:
    """Raise ShapeError unless ``batch`` is a float ``(N, T)`` array of finite mono waveforms.

    Stereo input ``(N, 2, T)`` / ``(N, T, 2)``, integer PCM and NaN/inf samples are refused with a
    message naming the fix (mix down, scale to [-1, 1], clean the clip).
    """
    batch = check_ndim(batch, (1, 2, 3), "waveforms", owner, "(N, T)",
               "; stack equal-length clips with np.stack(clips).astype(np.float32)")
    if batch.ndim == 1:
        raise ShapeError(
            f"{owner}: expected waveforms of shape (N, T), got one clip of shape {batch.shape}; "
            "pass a batch, e.g. x[None]"
        )
    if batch.ndim == 3:
        ch_axis = 1 if batch.shape[1] <= batch.shape[2] else 2
        raise ShapeError(
            f"{owner}: expected mono waveforms (N, T), got shape {batch.shape} which looks like "
            f"multi-channel audio (channels on axis {ch_axis}); mix down with "
            f"x.mean(axis={ch_axis})"
        )
    if np.issubdtype(batch.dtype, np.integer):
        scale = float(np.iinfo(batch.dtype).max) + 1.0
        raise ShapeError(
            f"{owner}: expected float waveforms in [-1, 1], got integer PCM ({batch.dtype}); "
            f"convert with x.astype(np.float32) / {scale:g}"
        )
    if not np.issubdtype(batch.dtype, np.floating):
        raise ShapeError(f"{owner}: expected float32 waveforms, got dtype {batch.dtype}")
    if batch.shape[0] and batch.shape[1] == 0:
        raise ShapeError(f"{owner}: the clips have 0 samples (shape {batch.shape}); drop empty "
                         f"clips or pad them to a common length (augfit.data.wav.fit_length)")
    if check_finite and batch.size:
        check_sample_values(batch, owner)


#: the largest |sample| a float waveform may hold: full scale is 1, and a few gain steps above it
#: are allowed; values in the thousands are integer PCM stored as float
MAX_ABS_SAMPLE = 256.0


def check_sample_values(batch: np.ndarray, owner: str, what: str = "clips") -> None:
    """Refuse NaN/inf samples and samples beyond :data:`MAX_ABS_SAMPLE` (int16 scale as float),
    naming the clips (rows of ``batch``, or ``what`` for one file)."""
    rows = batch.reshape(len(batch), -1) if batch.ndim > 1 else batch[None]
    finite = np.isfinite(rows).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ShapeError(
            f"{owner}: waveforms contain NaN or inf in {what} {bad[:10].tolist()}"
            f"{' ...' if bad.size > 10 else ''}; drop or repair them, e.g. np.nan_to_num(x)"
        )
    peak = np.abs(rows).max(axis=1)
    if (peak > MAX_ABS_SAMPLE).any():
        bad = np.flatnonzero(peak > MAX_ABS_SAMPLE)
        top = float(peak.max())
        fix = "divide by 32768 (int16 PCM stored as float)" if top <= 32768 else \
            "scale them into [-1, 1]"
        raise ShapeError(
            f"{owner}: float waveforms must be near [-1, 1], got |sample| up to {top:.6g} in "
            f"{what} {bad[:10].tolist()}{' ...' if bad.size > 10 else ''}; {fix}")


def check_spectrograms(batch: object, owner: str) -> None:
    """Raise ShapeError unless ``batch`` is a float ``(N, F, T)`` array."""
    if isinstance(batch, np.ndarray) and batch.ndim == 2:
        raise ShapeError(
            f"{owner}: expected spectrograms (N, F, T), got shape {batch.shape}; for waveforms put "
            "MelSpectrogram(...) before this transform, for a single spectrogram pass x[None]"
        )
    batch = check_ndim(batch, 3, "spectrograms", owner, "(N, F, T)")
    if not np.issubdtype(batch.dtype, np.floating):
        raise ShapeError(
            f"{owner}: expected float spectrograms, got dtype {batch.dtype}; "
            "use x.astype(np.float32)"
        )


__all__ = ["MAX_ABS_SAMPLE", "check_sample_values", "check_spectrograms", "check_waveforms"]
