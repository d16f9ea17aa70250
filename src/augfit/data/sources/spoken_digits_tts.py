"""``spoken_digits_tts``: the words "zero".."nine" synthesized by Debian's espeak-ng, cached.

Every English espeak-ng voice (the built-in ``gmw/`` ones; MBROLA voices need extra packages) speaks
each digit at several speeds and pitches; the WAVs are trimmed of leading/trailing silence,
resampled to 8 kHz and padded/trimmed like ``fsdd``, so the two can be mixed or compared. Groups are
the voices, for held-out-voice splits.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ...cache import atomic_path, cache_dir, cache_key
from ...checks import is_int
from ...errors import AugfitWarning, ConfigError, ExternalProcessError, MissingResourceError
from ...external import run_command, scaled_timeout
from ...registry import DATASETS
from ..container import Dataset
from ..wav import fit_length, read_wav
from ._audio import check_length, resample

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _espeak() -> str:
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise MissingResourceError("spoken_digits_tts needs espeak-ng: `apt-get install espeak-ng` "
                                   "(Debian/Ubuntu) or your system's espeak-ng package")
    return exe


def _espeak_run(cmd: list[str]) -> str:
    """Run one espeak-ng command (30 s x ``$AUGFIT_TIMEOUT_SCALE``; one word takes ~0.1 s)."""
    proc = run_command(cmd, timeout=scaled_timeout(30.0), what="spoken_digits_tts (espeak-ng)")
    if proc.returncode != 0:
        raise ExternalProcessError(f"spoken_digits_tts: `{' '.join(cmd)}` failed (exit "
                                   f"{proc.returncode}): "
                                   f"{proc.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return proc.stdout.decode("utf-8", "replace")


def english_voices() -> list[str]:
    """English espeak-ng voices that need no MBROLA (``espeak-ng --voices=en``, ``gmw/`` files)."""
    out = _espeak_run([_espeak(), "--voices=en"])
    voices = []
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 5 and cols[4].startswith("gmw/") and cols[1] not in voices:
            voices.append(cols[1])
    return voices


def trim_silence(wave: np.ndarray, rel: float = 0.02) -> np.ndarray:
    """Cut leading and trailing samples quieter than ``rel`` times the peak."""
    loud = np.flatnonzero(np.abs(wave) >= rel * max(float(np.abs(wave).max()), 1e-9))
    return wave[loud[0]:loud[-1] + 1] if loud.size else wave


def _synth(exe: str, folder: Path, voice: str, speed: int, pitch: int, digit: int,
           sr: int) -> np.ndarray:
    out = folder / f"{voice}_{speed}_{pitch}_{digit}.wav"
    cmd = [exe, "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), WORDS[digit]]
    _espeak_run(cmd)
    wave, rate = read_wav(out)
    return resample(trim_silence(wave), rate, sr)


def _read_cached(file: Path, n: int, length: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached clips, or None (with a warning if the file exists but is corrupt or misshapen)."""
    if not file.is_file():
        return None
    try:  # the .npz is a zip: a damaged member fails its CRC when read
        with np.load(file, allow_pickle=False) as z:
            x, lengths = z["x"], z["lengths"]
        if x.shape != (n, length) or x.dtype != np.float32 or lengths.shape != (n,):
            raise ValueError(f"x {x.shape} {x.dtype}, lengths {lengths.shape}; expected "
                             f"({n}, {length}) float32 and ({n},)")
    except Exception as e:  # truncated, garbage or another file under this name
        warnings.warn(f"spoken_digits_tts cache {file} is unusable ({type(e).__name__}: "
                      f"{str(e)[:120]}); synthesizing again", AugfitWarning, stacklevel=3)
        return None
    return x, lengths


@DATASETS.register("spoken_digits_tts")
def load_spoken_digits_tts(voices: Sequence[str] | None = None,
                           speeds: Sequence[int] = (130, 175, 220),
                           pitches: Sequence[int] = (30, 50, 70), length: int = 8000,
                           sample_rate: int = 8000) -> Dataset:
    """Synthesized spoken digits: float32 ``(N, length)``, N = voices x speeds x pitches x 10.

    Parameters
    ----------
    voices : list of str, optional
        espeak-ng voice names (default: every English ``gmw/`` voice, e.g. en-us, en-gb-scotland).
    speeds : ints
        Words per minute (espeak-ng ``-s``, 80..450).
    pitches : ints
        Pitch (espeak-ng ``-p``, 0..99).
    length, sample_rate : int
        Samples per clip after zero-padding/trimming, at this rate.
    """
    exe = _espeak()
    length = check_length(length, "spoken_digits_tts")
    known = english_voices()
    voices = list(known if voices is None else voices)
    unknown = [v for v in voices if v not in known]
    if unknown or not voices:
        raise ConfigError(f"spoken_digits_tts(voices=...): {unknown or voices} not available; "
                          f"English espeak-ng voices here: {known}")
    for name, vals, lo, hi in (("speeds", speeds, 80, 450), ("pitches", pitches, 0, 99)):
        ok = [is_int(v) and lo <= v <= hi for v in vals]
        if not ok or not all(ok):
            raise ConfigError(f"spoken_digits_tts({name}=...) must be ints in [{lo}, {hi}], "
                              f"got {vals!r}")
    combos = [(v, s, p, d) for v in voices for s in speeds for p in pitches for d in range(10)]
    version = _espeak_run([exe, "--version"])
    version = version.split("  Data")[0].strip()
    key = cache_key("spoken_digits_tts", version, combos, length, sample_rate)
    file = cache_dir("spoken_digits_tts") / f"{key}.npz"
    cached = _read_cached(file, len(combos), length)
    if cached is not None:
        x, lengths = cached
    else:
        with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(4) as pool:
            def synth(c: tuple[str, int, int, int]) -> np.ndarray:
                return _synth(exe, Path(tmp), *c, sample_rate)

            waves = list(pool.map(synth, combos))
        x, lengths = fit_length(waves, length)
        part = atomic_path(file)
        with open(part, "wb") as fh:
            np.savez(fh, x=x, lengths=lengths)
        os.replace(part, file)
    voice = np.array([c[0] for c in combos])
    meta = {"source": version, "license": "generated with espeak-ng (GPL-3.0)",
            "sample_rate": int(sample_rate), "lengths": lengths, "voice": voice,
            "speed": np.array([c[1] for c in combos], np.int64),
            "pitch": np.array([c[2] for c in combos], np.int64)}
    y = np.array([c[3] for c in combos], np.int64)
    return Dataset(x, y, "audio", [str(d) for d in range(10)], meta, voice)
