"""Wrap an audiomentations waveform transform as an augfit Transform, reproducibly seeded.

audiomentations draws from Python's global ``random`` module and NumPy's global ``np.random`` state.
To make it reproducible from a Generator, the adapter builds on
:class:`~augfit.transforms.adapters.PerSampleAdapter` (one seed per clip drawn from the Generator,
the seeds are the record) and, before each clip, seeds both global states with that clip's seed and
restores the caller's previous global states afterwards (also on error). This and the nlpaug adapter
(both through :func:`~augfit.transforms.adapters.call_seeded`) are the only places in augfit that
touch global random state; everything else draws from the Generator passed
in. A module lock serializes the seeded calls between augfit's own threads (loader prefetch); other
code using the global states from another thread at the same moment is not protected.

Example
-------
>>> import numpy as np
>>> from augfit.transforms.audio import Audiomentations
>>> aug = Audiomentations("AddGaussianSNR", sample_rate=8000,
...                       args={"min_snr_db": 10, "max_snr_db": 20})
>>> x = np.zeros((2, 8000), np.float32)
>>> aug(x, rng=0).shape
(2, 8000)
"""
from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import ClassVar, Protocol

import numpy as np

from ...errors import ConfigError, MissingResourceError
from ...registry import TRANSFORMS
from ..adapter_base import PerSampleAdapter, call_seeded
from ..base import MAX_SAMPLE_RATE
from ..constraints import Check, Real, Table
from .core import check_waveforms


def _audiomentations() -> ModuleType:
    try:
        import audiomentations
    except ImportError as exc:  # pragma: no cover - installed with the audio extra
        raise MissingResourceError(
            "the Audiomentations adapter needs the audiomentations package: "
            "pip install 'augfit[audio]'"
        ) from exc
    module: ModuleType = audiomentations
    return module


class _AudiomentationsTransform(Protocol):
    """What augfit reads from an audiomentations transform instance."""

    def randomize_parameters(self, samples: np.ndarray, sample_rate: int) -> None: ...

    def get_transform_init_args(self) -> Mapping[str, object]: ...


def _init_args(obj: _AudiomentationsTransform) -> dict[str, object]:
    """Constructor arguments of an audiomentations transform instance, without ``p``."""
    args = dict(obj.get_transform_init_args())
    args.pop("p", None)
    return args


def _check_transform(transform: object, name: str, owner: str) -> object:
    """An audiomentations class name or transform instance."""
    if isinstance(transform, str):
        cls = getattr(_audiomentations(), transform, None)
        if not isinstance(cls, type) or not hasattr(cls, "randomize_parameters"):
            raise ConfigError(
                f"{owner}({name}=...): {transform!r} is not an audiomentations "
                "transform; use a class name such as 'AddGaussianSNR', 'Shift', 'Gain' or "
                "'TimeStretch'"
            )
    elif not (hasattr(transform, "randomize_parameters")
              and hasattr(transform, "get_transform_init_args")):
        raise ConfigError(
            f"{owner}({name}=...) must be an audiomentations class name or "
            f"instance, got {transform!r}"
        )
    return transform


def _check_args(args: object, name: str, owner: str) -> object:
    """None or a dict of the wrapped transform's constructor arguments."""
    if args is not None and not isinstance(args, dict):
        raise ConfigError(f"{owner}({name}=...) must be a dict, got {args!r}")
    return args


@TRANSFORMS.register()
class Audiomentations(PerSampleAdapter[np.ndarray]):
    """An audiomentations waveform transform applied clip by clip to ``(N, T)`` float batches.

    Parameters
    ----------
    transform : str or audiomentations transform
        The class name in ``audiomentations`` (e.g. ``"AddGaussianSNR"``, ``"Shift"``) or an
        instance (its constructor arguments are read back, so it serializes by name).
    sample_rate : float
        Sampling rate passed to the transform.
    args : dict, optional
        Constructor arguments when ``transform`` is a name. The wrapped transform always runs with
        its own ``p=1``; this adapter's ``p`` decides per clip (from the Generator).
    p : float
        Probability per clip.

    Output clips are cropped or zero-padded back to ``T`` samples and cast to the input dtype.
    The record holds the per-clip seeds (``{"seed": (N,) int64}``), drawn by ``PerSampleAdapter``.
    """

    modality = "audio"
    sample_rate: float
    _parameter_constraints: ClassVar[Table] = {
        "sample_rate": Real(0, MAX_SAMPLE_RATE, low_open=True),
        "transform": Check(lambda v, name, owner, _seen: _check_transform(v, name, owner),
                           bad=("NoSuchTransform", 3, None), keep="given"),
        "args": Check(lambda v, name, owner, _seen: _check_args(v, name, owner),
                      bad=("x", 3, ["min_snr_db"]))}

    def __init__(self, transform: str | _AudiomentationsTransform, sample_rate: float,
                 args: Mapping[str, object] | None = None,
                 p: float = 1.0) -> None:
        del sample_rate  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)
        if isinstance(transform, str):
            cls = getattr(_audiomentations(), transform)
            self.args = dict(args or {})
            try:
                self._inner = cls(**self.args, p=1.0)
            except (TypeError, ValueError, AssertionError) as exc:
                raise ConfigError(
                    f"Audiomentations: {transform}(**{self.args}) failed: {exc}") from exc
            self.transform = transform
        else:
            if args:
                raise ConfigError(
                    "Audiomentations: pass args only with a transform name, not an instance")
            self.transform = type(transform).__name__
            self.args = _init_args(transform)
            kind: type = type(transform)
            self._inner = kind(**self.args, p=1.0)

    def check_batch(self, batch: object) -> None:
        check_waveforms(batch, f"Audiomentations({self.transform})")

    def apply_one(self, sample: np.ndarray, seed: int) -> np.ndarray:
        clip = np.ascontiguousarray(sample, dtype=np.float32)
        sr = int(self.sample_rate)
        return np.asarray(call_seeded(lambda: self._inner(samples=clip, sample_rate=sr), seed))

    def stack(self, batch: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
        """Crop or zero-pad every output clip back to the input length ``T``, in the input dtype."""
        import librosa

        return np.stack([librosa.util.fix_length(o, size=batch.shape[1]) for o in outputs]).astype(
            batch.dtype, copy=False)


__all__ = ["Audiomentations"]
