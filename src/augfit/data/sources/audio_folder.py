"""``audio_folder``: WAV files in one sub-folder per class (``root/<class>/<clip>.wav``)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ...checks import check_int
from ...errors import ConfigError
from ...registry import DATASETS
from ..container import Dataset
from ..wav import fit_length
from ._audio import AUDIO_MAX_SECONDS, check_clip_length, check_max_seconds, read_clip
from .folder import class_files


@DATASETS.register("audio_folder")
def load_audio_folder(path: str | os.PathLike[str], sample_rate: int | None = None,
                      length: int | None = None,
                      max_seconds: float = AUDIO_MAX_SECONDS) -> Dataset:
    """An audio Dataset from ``path/<class>/<clip>.wav``.

    Parameters
    ----------
    path : folder
        One sub-folder of WAV files per class (names sorted are the classes).
    sample_rate : int, optional
        Resample every clip to this rate (default: the first file's rate).
    length : int, optional
        Samples per clip after zero-padding/trimming at the end (default: the longest clip).
    max_seconds : float
        The cap on a clip's length after resampling and on ``length`` (default 60 s): one long
        recording would otherwise pad every clip to its length. A longer clip is refused, naming
        the file; raise the cap for long recordings.

    Returns
    -------
    Dataset
        float32 waveforms ``(N, length)``; meta ``sample_rate``, per-sample ``lengths`` (before
        padding) and ``files``.
    """
    root = Path(path).expanduser()
    pairs = class_files(root, "audio_folder", "WAV files")
    for _, f in pairs:
        if f.suffix.lower() != ".wav":
            raise ConfigError(f"audio_folder: {f} is not a .wav file; convert it (e.g. `sox "
                              f"{f.name} {f.stem}.wav`) or remove it")
    if sample_rate is not None:
        sample_rate = check_int(sample_rate, "sample_rate", "audio_folder")
    max_seconds = check_max_seconds(max_seconds, "audio_folder")
    if length is not None and sample_rate is not None:
        check_clip_length(check_int(length, "length", "audio_folder"), sample_rate, max_seconds,
                          "audio_folder")
    waves = []
    for _, f in pairs:
        wave, sample_rate = read_clip(f, sample_rate, max_seconds, "audio_folder")
        waves.append(wave)
    assert sample_rate is not None
    n = max(len(w) for w in waves) if length is None else check_clip_length(
        check_int(length, "length", "audio_folder"), sample_rate, max_seconds, "audio_folder")
    x, lengths = fit_length(waves, n)
    names = sorted({c for c, _ in pairs})
    y = np.array([names.index(c) for c, _ in pairs], np.int64)
    meta = {"source": str(root), "sample_rate": int(sample_rate or 0), "lengths": lengths,
            "files": np.array([str(f) for _, f in pairs])}
    return Dataset(x, y, "audio", names, meta)


__all__ = ["load_audio_folder"]
