"""Optimizers: SGD, Momentum, Adam. ``augfit.optim`` re-exports ``augfit.nn.optim``, so ``import
augfit.optim`` and ``from augfit.optim import ...`` work as ``af.optim`` does."""
from .nn.optim import *  # noqa: F403
from .nn.optim import __all__ as __all__
