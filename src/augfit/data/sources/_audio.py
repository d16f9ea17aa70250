"""Shared steps of the audio loaders: read checked WAVs, resample, fit to a fixed length, with a
cap on a clip's length so that one long file (or a huge ``length``) cannot pad every clip to
millions of samples."""
from __future__ import annotations

from collections.abc import Sequence
from math import gcd
from pathlib import Path

import numpy as np

from ...checks import check_int, check_number
from ...errors import ConfigError
from ..wav import fit_length, read_wav

#: the longest clip (after resampling) the audio loaders take unless ``max_seconds`` says more
AUDIO_MAX_SECONDS = 60.0


def resample(wave: np.ndarray, sr_in: int, sr_out: int) -> np.ndarray:
    """Polyphase resampling (scipy ``resample_poly``) from ``sr_in`` to ``sr_out`` Hz, float32."""
    if sr_in == sr_out:
        return wave
    from scipy.signal import resample_poly

    g = gcd(sr_in, sr_out)
    out: np.ndarray = resample_poly(wave, sr_out // g, sr_in // g).astype(np.float32)
    return out


def check_max_seconds(max_seconds: object, owner: str) -> float:
    """The clip-length cap in seconds (a number > 0)."""
    return check_number(max_seconds, "max_seconds", owner, 0, low_open=True)


def cap_samples(sample_rate: int, max_seconds: float) -> int:
    """The most samples a clip may have at ``sample_rate``."""
    return int(max_seconds * sample_rate)


def read_clip(path: Path, sample_rate: int | None, max_seconds: float,
              owner: str) -> tuple[np.ndarray, int]:
    """One WAV at ``sample_rate`` (default: its own) and that rate; ConfigError naming the file
    when it is longer than ``max_seconds`` after resampling (checked before resampling)."""
    wave, sr = read_wav(path)
    rate = sample_rate or sr
    n_out = -(-len(wave) * rate // sr)
    if n_out > cap_samples(rate, max_seconds):
        raise ConfigError(
            f"{owner}: {path} lasts {len(wave) / sr:.1f} s ({n_out} samples at {rate} Hz), more "
            f"than the cap max_seconds={max_seconds:g}; cut the clip, or raise max_seconds (a "
            "dataset option) if such long clips are meant")
    return resample(wave, sr, rate), rate


def check_clip_length(length: int, sample_rate: int, max_seconds: float, owner: str) -> int:
    """``length`` (samples per clip) if it is within ``max_seconds`` at ``sample_rate``."""
    if length > cap_samples(sample_rate, max_seconds):
        raise ConfigError(
            f"{owner}(length={length}) is {length / sample_rate:.1f} s at {sample_rate} Hz, more "
            f"than the cap max_seconds={max_seconds:g}; lower length, or raise max_seconds")
    return length


def read_waves(paths: Sequence[Path], sample_rate: int, length: int,
               max_seconds: float = AUDIO_MAX_SECONDS,
               owner: str = "audio") -> tuple[np.ndarray, np.ndarray]:
    """WAV files as float32 ``(N, length)`` at ``sample_rate`` and their lengths before padding."""
    max_seconds = check_max_seconds(max_seconds, owner)
    check_clip_length(length, sample_rate, max_seconds, owner)
    waves = [read_clip(p, sample_rate, max_seconds, owner)[0] for p in paths]
    return fit_length(waves, length)


def check_length(length: object, owner: str) -> int:
    """A clip length in samples (an int >= 1)."""
    return check_int(length, "length", owner)


__all__ = ["AUDIO_MAX_SECONDS", "check_clip_length", "check_length", "check_max_seconds",
           "read_clip", "read_waves", "resample"]
