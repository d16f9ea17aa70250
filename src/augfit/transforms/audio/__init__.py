"""Audio transforms: waveform augmentations, the batched MelSpectrogram step and SpecAugment masks.

Importing this package registers every audio transform. The ``audio_logmel`` featurizer is in
:mod:`augfit.data.features` (it uses :func:`log_mel`).
librosa and audiomentations are imported lazily, inside the functions that need them.
"""
from __future__ import annotations

from .audiomentations_adapter import Audiomentations
from .masks import FrequencyMask, TimeMask, TimeWarp
from .mel import MelSpectrogram, log_mel, with_sample_rate
from .mix import TimeCutMix
from .waveform import AddNoise, Gain, PitchShift, TimeShift, TimeStretch

__all__ = [
           "AddNoise",
           "Audiomentations",
           "FrequencyMask",
           "Gain",
           "MelSpectrogram",
           "PitchShift",
           "TimeCutMix",
           "TimeMask",
           "TimeShift",
           "TimeStretch",
           "TimeWarp",
           "log_mel",
           "with_sample_rate",
]
