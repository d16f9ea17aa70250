"""Featurizers: raw samples to feature matrices. ``augfit.features`` re-exports
``augfit.data.features``, so ``import augfit.features`` and ``from augfit.features import ...``
work as ``af.features`` does."""
from .data.features import *  # noqa: F403
from .data.features import __all__ as __all__
