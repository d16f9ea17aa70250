"""Audio you can play for a pipeline that ends in a (log-)mel spectrogram: Griffin-Lim inversion.

A mel spectrogram keeps neither the phase nor the fine frequency detail inside each mel band, so
no exact inverse exists. :func:`invert_mel` does what ``librosa.feature.inverse.mel_to_audio``
does (non-negative least squares from mel bands back to an STFT magnitude, then Griffin-Lim phase
reconstruction), split into its two librosa calls so that Griffin-Lim's random initial phase comes
from a Generator passed in: the same seed gives the same bytes. The sound is an approximation
(phasy, a little metallic); play the original clip through the same inversion to hear what the
inversion alone does, and the difference is the augmentation.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..errors import ShapeError

if TYPE_CHECKING:
    from ..transforms.audio.mel import MelSpectrogram

N_ITER = 32
"""Griffin-Lim iterations (librosa's default)."""


def invert_mel(specs: npt.ArrayLike, sample_rate: float, n_fft: int, hop_length: int, log: bool,
               length: int, rng: np.random.Generator, n_iter: int = N_ITER) -> np.ndarray:
    """Waveforms ``(N, length)`` float32 in [-1, 1] from mel spectrograms ``(N, n_mels, frames)``.

    ``log`` says the spectrograms are in dB (``power_to_db`` with ``ref=1``, as
    :class:`~augfit.transforms.audio.MelSpectrogram` makes them); otherwise they are mel power.
    A clip whose peak exceeds 1 is scaled down to 0.99 (a WAV cannot hold more).
    """
    import librosa

    s = np.asarray(specs, np.float64)
    if s.ndim != 3 or 0 in s.shape:
        raise ShapeError(f"invert_mel: expected spectrograms (N, n_mels, frames), got {s.shape}")
    power = np.power(10.0, s / 10.0) if log else np.maximum(s, 0.0)
    # one clip at a time: librosa's NNLS on a stacked batch is about 10x slower than the loop
    magnitude = np.stack([librosa.feature.inverse.mel_to_stft(p, sr=sample_rate, n_fft=n_fft,
                                                              power=2.0) for p in power])
    wave = librosa.griffinlim(magnitude, n_iter=n_iter, hop_length=hop_length, n_fft=n_fft,
                              center=True, pad_mode="constant", length=length, random_state=rng)
    wave = np.asarray(wave, np.float32).reshape(s.shape[0], length)
    peak = np.max(np.abs(wave), axis=1, keepdims=True)
    wave /= np.maximum(peak / 0.99, 1.0)
    return wave





def find_mel(aug: object) -> MelSpectrogram | None:
    """The pipeline's first :class:`~augfit.transforms.audio.MelSpectrogram` step (looking inside
    compositions), or None."""
    from ..transforms.audio import MelSpectrogram

    if isinstance(aug, MelSpectrogram):
        return aug
    for t in getattr(aug, "transforms", []):
        found = find_mel(t)
        if found is not None:
            return found
    return None


def spectrograms(mel: MelSpectrogram, x: np.ndarray, outs: Sequence[npt.ArrayLike]
                 ) -> tuple[np.ndarray, list[np.ndarray]]:
    """(before, afters) as ``(N, F, T)``: ``mel`` of the original waveforms, and each version as it
    is when the pipeline ends in a spectrogram, else ``mel`` of its waveforms."""
    before = np.asarray(mel(x, rng=0))
    afters = [np.asarray(o) if np.asarray(o).ndim == 3 else np.asarray(mel(o, rng=0))
              for o in outs]
    return before, afters


__all__ = ["N_ITER", "find_mel", "invert_mel", "spectrograms"]
