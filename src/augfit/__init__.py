"""augfit: measure how much data augmentation, dropout and early stopping reduce overfitting.

The public names are loaded on first use, so ``import augfit`` stays fast and optional extras
(librosa, nltk, dask, matplotlib) are imported only by the parts that need them.
"""
from __future__ import annotations

import importlib
from typing import Any

from .errors import AugfitError, ConfigError, MissingResourceError, ShapeError, TrainingError
from .version import __version__

_LAZY = {
    # name: (module, attribute or None for the module itself)
    "Compose": ("augfit.transforms.compose", "Compose"),
    "OneOf": ("augfit.transforms.compose", "OneOf"),
    "SomeOf": ("augfit.transforms.compose", "SomeOf"),
    "Sometimes": ("augfit.transforms.compose", "Sometimes"),
    "DataLoader": ("augfit.data.loader", "DataLoader"),
    "Dataset": ("augfit.data.datasets", "Dataset"),
    "Trainer": ("augfit.train.trainer", "Trainer"),
    "transforms": ("augfit.transforms", None),
    "datasets": ("augfit.datasets", None),
    "features": ("augfit.features", None),
    "nn": ("augfit.nn", None),
    "optim": ("augfit.optim", None),
    "callbacks": ("augfit.callbacks", None),
    "metrics": ("augfit.metrics", None),
    "experiments": ("augfit.experiments", None),
    "preview": ("augfit.preview", None),
    "sklearn": ("augfit.sklearn", None),
    "torch": ("augfit.torch", None),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'augfit' has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))


__all__ = ["AugfitError", "ConfigError", "MissingResourceError", "ShapeError", "TrainingError",
           "__version__", *_LAZY]
