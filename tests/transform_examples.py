"""The arguments the transform tests build each registered transform with, and its bad ones.

- :func:`example_args`: a transform listed in :data:`EXAMPLE_ARGS` is built with those arguments
  (``p`` excluded: the tests set it), every other one with its defaults. List a transform here
  only when its defaults do not fit the contract test: they must be valid, cheap (no network, no
  user cache) and, at ``p=1``, change its example batch.
- :func:`invalid_cases`: the ``(argument, bad value)`` pairs generated from the class's constraint
  table (:mod:`augfit.transforms.constraints`), each merged over :func:`example_args`.

(``tests/`` is on ``sys.path`` through ``tests/conftest.py``, so any test imports this module.)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from augfit.transforms.constraints import invalid_cases as _table_cases
from augfit.transforms.constraints import merged_table


def _steps() -> dict[str, Any]:
    from augfit.transforms.image import Brightness, HorizontalFlip, Rotate

    return {"transforms": [Rotate(limit=20), HorizontalFlip(p=0.5), Brightness(limit=0.2)]}


def _albumentations() -> dict[str, Any]:
    import albumentations as A

    return {"transform": A.RandomBrightnessContrast(p=1.0)}


#: registered name -> a function returning its example arguments (functions: a composition gets
#: fresh steps each time, and albumentations is imported only when its adapter is tested)
EXAMPLE_ARGS: dict[str, Callable[[], dict[str, Any]]] = {
    # image
    "Rotate": lambda: {"limit": 30},
    "Scale": lambda: {"range": [0.7, 1.3]},
    "Translate": lambda: {"shift": 0.25},
    "Affine": lambda: {"rotate": 20, "scale": [0.8, 1.2], "translate": 0.1, "shear": 15},
    "RandomCrop": lambda: {"size": None, "padding": 3},
    "RandomResizedCrop": lambda: {"scale": [0.3, 0.8]},
    "Brightness": lambda: {"limit": 0.3},
    "Contrast": lambda: {"limit": 0.3},
    "BrightnessContrast": lambda: {"brightness": 0.3, "contrast": 0.3},
    "GaussianNoise": lambda: {"std": [0.05, 0.1]},
    "Cutout": lambda: {"holes": 2, "size": [0.2, 0.4]},
    "Posterize": lambda: {"bits": [2, 4]},
    "Solarize": lambda: {"threshold": [0.3, 0.7]},
    "Sharpness": lambda: {"factor": [0.2, 0.6]},
    "Color": lambda: {"factor": [0.2, 0.6]},
    "Shear": lambda: {"x": 0.4, "y": 0.2},
    "GaussianBlur": lambda: {"sigma": [0.8, 2.0]},
    "MotionBlur": lambda: {"size": [5, 9], "angle": 90},
    "ElasticTransform": lambda: {"alpha": [8.0, 12.0], "sigma": 3.0},
    "Perspective": lambda: {"scale": [0.1, 0.2]},
    "RandAugment": lambda: {"num_ops": 2, "magnitude": 9},
    "CutMix": lambda: {"alpha": 1.0},
    "Albumentations": _albumentations,
    # audio
    "FrequencyMask": lambda: {"max_width": 4, "num_masks": 2, "mask_value": "mean"},
    "TimeMask": lambda: {"max_width": 6, "num_masks": 2, "max_fraction": 0.5,
                         "mask_value": "zero"},
    "TimeWarp": lambda: {"max_warp": 4},
    "AddNoise": lambda: {"snr_db": (10.0, 20.0)},
    "TimeShift": lambda: {"shift": (-0.25, 0.25)},
    "Gain": lambda: {"db": (-6.0, 6.0)},
    "TimeStretch": lambda: {"rate": (0.8, 1.25)},
    "PitchShift": lambda: {"sample_rate": 8000, "semitones": (-3.0, 3.0)},
    "MelSpectrogram": lambda: {"sample_rate": 8000, "n_mels": 40, "n_fft": 256,
                               "hop_length": 128},
    "TimeCutMix": lambda: {"alpha": 1.0},
    "Audiomentations": lambda: {"transform": "AddGaussianSNR", "sample_rate": 8000,
                                "args": {"min_snr_db": 10.0, "max_snr_db": 20.0}},
    # text
    "RandomInsertion": lambda: {"alpha": 0.2},
    "RandomSwap": lambda: {"alpha": 0.2},
    "RandomDeletion": lambda: {"alpha": 0.2},
    "SynonymReplace": lambda: {"rate": 0.3},
    "BackTranslate": lambda: {"cache": False},  # the tests must not write into the user's cache
    "NlpaugAugmenter": lambda: {"augmenter": "nlpaug.augmenter.word.RandomWordAug",
                                "args": {"action": "swap"}},
    # any modality
    "MixUp": lambda: {"alpha": 0.4},
    "Compose": _steps,
    "OneOf": _steps,
    "Sometimes": _steps,
    "SomeOf": lambda: {**_steps(), "n": [1, 2]},
}


def example_args(cls: type) -> dict[str, Any]:
    """Valid constructor arguments (without ``p``) for a typical instance of ``cls``."""
    make = EXAMPLE_ARGS.get(getattr(cls, "registered_name", cls.__name__))
    return make() if make else {}


def constructor_args(cls: type) -> list[str]:
    """The arguments of ``cls``'s constructor (without ``self``, ``*args`` and ``**kwargs``)."""
    import inspect

    params = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    return [k for k, p in params.items()
            if k != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def invalid_cases(cls: type) -> list[tuple[str, Any]]:
    """``(argument, bad value)`` pairs from the constraint table of ``cls``."""
    return _table_cases(merged_table(cls, constructor_args(cls)))


__all__ = ["EXAMPLE_ARGS", "constructor_args", "example_args", "invalid_cases"]
