"""Shared steps of the audio loaders: read checked WAVs, resample, fit to a fixed length."""
from __future__ import annotations

from collections.abc import Sequence
from math import gcd
from pathlib import Path

import numpy as np

from ...checks import check_int
from ..wav import fit_length, read_wav


def resample(wave: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling (scipy ``resample_poly``) from ``sr_in`` to ``sr_out`` Hz, float32."""
    if sr_in == sr_out:
        return wave
    from scipy.signal import resample_poly

    g = gcd(sr_in, sr_out)
    return resample_poly(wave, sr_out // g, sr_in // g).astype(np.float32)


def read_waves(paths: Sequence[Path], sample_rate: int,
               length: int) -> tuple[np.ndarray, np.ndarray]:
    """WAV files as float32 ``(N, length)`` at ``sample_rate`` and their lengths before padding."""
    waves = []
    for p in paths:
        wave, sr = read_wav(p)
        waves.append(resample(wave, sr, sample_rate))
    return fit_length(waves, length)


def check_length(length: object, owner: str) -> int:
    """A clip length in samples (an int >= 1)."""
    return check_int(length, "length", owner)
