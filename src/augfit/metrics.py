"""Metrics: accuracy, the train-val gap and its curve. ``augfit.metrics`` re-exports
``augfit.train.metrics``, so ``import augfit.metrics`` and ``from augfit.metrics import ...``
work as ``af.metrics`` does."""
from .train.metrics import *  # noqa: F403
from .train.metrics import __all__ as __all__
