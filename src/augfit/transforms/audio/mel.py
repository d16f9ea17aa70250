"""Batched log-mel spectrograms: the :class:`MelSpectrogram` step, and the :func:`log_mel` code
that the ``audio_logmel`` featurizer (:mod:`augfit.data.features`) uses too.

Both use :func:`log_mel`, which computes the whole batch with ONE ``librosa.stft`` call (librosa
accepts a leading batch axis), a projection on a cached mel filterbank (band by band over
its non-zero bins), and a per-clip ``power_to_db``. Per clip the result equals::

    S = librosa.feature.melspectrogram(y=clip, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
    librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)

Documented edge cases
---------------------
* Silent clips (all zeros): the power is floored at ``amin=1e-10`` before the log, so every value is
  ``10 * log10(1e-10) = -100`` dB (finite, no warning).
* Clips shorter than ``n_fft`` samples raise :class:`~augfit.errors.ShapeError` (pad them, e.g.
  ``np.pad(x, ((0, 0), (0, n_fft - T)))``, or choose a smaller ``n_fft``).
* Stereo, integer PCM and NaN input raise ShapeError (see ``core.py``).
"""
from __future__ import annotations

import functools
from typing import ClassVar, Protocol, overload

import numpy as np

from ...errors import ConfigError, ShapeError
from ...jsontypes import JSONValue
from ...registry import TRANSFORMS
from ..base import MAX_COUNT, MAX_FFT, MAX_SAMPLE_RATE, Params, Transform
from ..constraints import Boolean, Checked, Constraint, Integer, Real, Table, check_table
from ..records import BatchT
from .core import check_waveforms

AMIN = 1e-10  # power floor of librosa.power_to_db: a silent clip maps to -100 dB


@functools.lru_cache(maxsize=32)
def mel_filterbank(sample_rate: float, n_fft: int, n_mels: int) -> np.ndarray:
    """The ``(n_mels, 1 + n_fft // 2)`` float32 Slaney mel filterbank of librosa, built once per
    setting."""
    import librosa

    basis = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels).astype(np.float32)
    basis.setflags(write=False)
    return basis


@functools.lru_cache(maxsize=32)
def _band_ranges(sample_rate: float, n_fft: int, n_mels: int) -> tuple[tuple[int, int], ...]:
    """For each mel band, the ``[start, stop)`` FFT bins where its triangular filter is non-zero."""
    basis = mel_filterbank(sample_rate, n_fft, n_mels)
    out = []
    for row in basis:
        nz = np.flatnonzero(row)
        out.append((int(nz[0]), int(nz[-1]) + 1) if nz.size else (0, 0))
    return tuple(out)


def mel_project(power: np.ndarray, sample_rate: float, n_fft: int, n_mels: int) -> np.ndarray:
    """``basis @ power`` for ``power`` of shape (N, 1 + n_fft // 2, T): float32 ``(N, n_mels, T)``.

    Each triangular filter covers only a few FFT bins, so the product is summed band by band over
    those bins (about n_mels / 2 times fewer operations than the dense product, no transposed copy
    of ``power``). Elementwise adds in a fixed bin order make every clip's result independent of the
    batch it is computed in (a BLAS or einsum product can round differently with the batch size).
    """
    basis = mel_filterbank(sample_rate, n_fft, n_mels)
    n, _, frames = power.shape
    out = np.zeros((n, n_mels, frames), np.float32)
    tmp = np.empty((n, frames), np.float32)
    for m, (a, b) in enumerate(_band_ranges(sample_rate, n_fft, n_mels)):
        band = out[:, m]
        for f in range(a, b):
            np.multiply(power[:, f], basis[m, f], out=tmp)
            band += tmp
    return out


def power_to_db(power: np.ndarray, top_db: float | None = 80.0) -> np.ndarray:
    """``librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db)`` on each clip of ``(N, F, T)``.

    librosa's ``top_db`` clips against the maximum of the whole array it is given; here the maximum
    is taken per clip so that a batch gives the same values as one call per clip.
    """
    db = np.maximum(power, AMIN)
    np.log10(db, out=db)
    db *= 10.0
    if top_db is not None:
        peak = db.max(axis=(1, 2), keepdims=True)
        np.maximum(db, peak - top_db, out=db)
    result: np.ndarray = db
    return result


def log_mel(x: np.ndarray, sample_rate: float, n_mels: int = 40, n_fft: int = 256,
            hop_length: int = 128, log: bool = True, top_db: float | None = 80.0,
            owner: str = "log_mel") -> np.ndarray:
    """Mel power spectrograms (in dB when ``log``) of a batch of waveforms, in one librosa call.

    Parameters
    ----------
    x : ndarray, float, shape (N, T)
        Mono waveforms in [-1, 1], all of the same length ``T >= n_fft``.
    sample_rate : float
        Sampling rate of ``x`` in Hz.
    n_mels, n_fft, hop_length : int
        Mel bands, FFT size (Hann window of the same length, centred frames) and hop in samples.
    log : bool
        Return ``power_to_db`` of the mel power (per clip, see :func:`power_to_db`) if True.
    top_db : float or None
        Dynamic range kept below each clip's peak (librosa's default 80 dB); None keeps all.

    Returns
    -------
    ndarray, float32, shape (N, n_mels, 1 + T // hop_length)
    """
    import librosa

    check_waveforms(x, owner)
    if x.shape[1] < n_fft:
        raise ShapeError(
            f"{owner}: clips have {x.shape[1]} samples, fewer than n_fft={n_fft}; pad them "
            f"(np.pad(x, ((0, 0), (0, {n_fft - x.shape[1]})))) or use a smaller n_fft"
        )
    if x.shape[0] == 0:
        return np.zeros((0, n_mels, 1 + x.shape[1] // hop_length), np.float32)
    y = np.ascontiguousarray(x, dtype=np.float32)
    stft = librosa.stft(y, n_fft=n_fft, hop_length=hop_length, center=True, pad_mode="constant")
    power = np.abs(stft)
    power *= power
    mel = mel_project(power, float(sample_rate), int(n_fft), int(n_mels))
    if log:
        mel = power_to_db(mel, top_db)
    return mel.astype(np.float32, copy=False)


#: the mel settings shared by :class:`MelSpectrogram` and the ``audio_logmel`` featurizer
MEL_CONSTRAINTS: dict[str, Constraint] = {
    "sample_rate": Real(0, MAX_SAMPLE_RATE, low_open=True, allow_none=True),
    "n_mels": Integer(1, MAX_COUNT), "n_fft": Integer(2, MAX_FFT),
    "hop_length": Integer(1, MAX_FFT), "top_db": Real(0, 1000.0, low_open=True, allow_none=True)}


def check_mel_args(owner: str, sample_rate: object, n_mels: object, n_fft: object,
                   hop_length: object, top_db: object
                   ) -> tuple[float | None, int, int, int, float | None]:
    """The mel settings checked against :data:`MEL_CONSTRAINTS`."""
    given = {"sample_rate": sample_rate, "n_mels": n_mels, "n_fft": n_fft,
             "hop_length": hop_length, "top_db": top_db}
    c = Checked(**check_table(MEL_CONSTRAINTS, given, owner)[0])
    return c.sample_rate, c.n_mels, c.n_fft, c.hop_length, c.top_db


class HasSampleRate(Protocol):
    """A step or featurizer with a ``sample_rate`` in Hz (None: the dataset's, not yet set)."""

    @property
    def sample_rate(self) -> float | None: ...


def need_sample_rate(t: HasSampleRate) -> float:
    """``t.sample_rate``, or a ConfigError when it was left to the dataset and no dataset set it."""
    if t.sample_rate is None:
        raise ConfigError(f"{type(t).__name__}(sample_rate=...) is not set: pass the waveforms' "
                          "sample rate in Hz, or use the step where the dataset gives it (an "
                          "experiment spec, augfit preview, or with_sample_rate(pipeline, rate))")
    return float(t.sample_rate)


@overload
def with_sample_rate(aug: None, sample_rate: float | None) -> None: ...


@overload
def with_sample_rate(aug: Transform[BatchT], sample_rate: float | None) -> Transform[BatchT]: ...


def with_sample_rate(aug: Transform[BatchT] | None, sample_rate: float | None
                     ) -> Transform[BatchT] | None:
    """``aug`` with every step whose ``sample_rate`` is None (the dataset's) given
    ``sample_rate``, looking inside compositions; ``aug`` itself is not changed (a new pipeline is
    built from its dict when a step is filled in).

    >>> from augfit.transforms.base import Transform
    >>> aug = Transform.from_dict({"type": "MelSpectrogram"})
    >>> with_sample_rate(aug, 16000).sample_rate, aug.sample_rate
    (16000.0, None)
    """
    if sample_rate is None or aug is None:
        return aug
    d = aug.to_dict()
    rate = float(sample_rate)

    def fill(node: JSONValue) -> bool:
        if isinstance(node, list):
            return any([fill(v) for v in node])
        if not isinstance(node, dict):
            return False
        here = "sample_rate" in node and node["sample_rate"] is None and "type" in node
        if here:
            node["sample_rate"] = rate
        inside = [fill(v) for v in node.values()]  # every step filled, not only the first
        return here or any(inside)

    return Transform.from_dict(d) if fill(d) else aug


@TRANSFORMS.register()
class MelSpectrogram(Transform[np.ndarray]):
    """Deterministic step: waveforms ``(N, T)`` float -> log-mel spectrograms ``(N, F, T')``
    float32.

    ``F = n_mels`` and ``T' = 1 + T // hop_length``. Use it in a :class:`~augfit.Compose` before the
    SpecAugment masks (:class:`FrequencyMask`, :class:`TimeMask`). See the module docstring for
    silent, short, stereo, integer and NaN input.

    Parameters
    ----------
    sample_rate : float, optional
        Sampling rate of the input waveforms (Hz). None: the dataset's, filled in where the data is
        known (experiment specs, ``augfit preview``; see :func:`with_sample_rate`); calling the
        step with none set is an error.
    n_mels : int
        Number of mel bands ``F``.
    n_fft : int
        FFT size and Hann window length in samples.
    hop_length : int
        Hop between frames in samples.
    log : bool
        Output dB (``power_to_db``) if True, mel power if False.
    top_db : float or None
        Dynamic range kept below each clip's peak when ``log``.

    Example
    -------
    >>> import numpy as np
    >>> x = np.zeros((2, 8000), np.float32)
    >>> MelSpectrogram(sample_rate=8000, n_mels=40, n_fft=256, hop_length=128)(x).shape
    (2, 40, 63)
    """

    modality = "audio"
    deterministic = True
    sample_rate: float | None
    n_mels: int
    n_fft: int
    hop_length: int
    log: bool
    top_db: float | None
    _parameter_constraints: ClassVar[Table] = {**MEL_CONSTRAINTS, "log": Boolean()}

    def __init__(self, sample_rate: float | None = None, n_mels: int = 40, n_fft: int = 256,
                 hop_length: int = 128, log: bool = True, top_db: float | None = 80.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del sample_rate, n_mels, n_fft, hop_length, log, top_db
        super().__init__(p=1.0)

    def check_batch(self, batch: object) -> None:
        check_waveforms(batch, type(self).__name__)

    def apply(self, batch: np.ndarray, params: Params) -> np.ndarray:
        """Every clip is converted (also in an empty batch: the output shape always changes)."""
        self.check_batch(batch)
        return self.apply_params(batch, params)

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        return log_mel(batch, need_sample_rate(self), self.n_mels, self.n_fft, self.hop_length,
                       self.log, self.top_db, owner=type(self).__name__)


__all__ = [
    "AMIN",
    "MelSpectrogram",
    "check_mel_args",
    "log_mel",
    "mel_filterbank",
    "mel_project",
    "need_sample_rate",
    "power_to_db",
    "with_sample_rate",
]
