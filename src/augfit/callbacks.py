"""Training callbacks: History, EarlyStopping, ModelCheckpoint, ProgressBar. ``augfit.callbacks``
re-exports ``augfit.train.callbacks``, so ``import augfit.callbacks`` and ``from
augfit.callbacks import ...`` work as ``af.callbacks`` does."""
from .train.callbacks import *  # noqa: F403
from .train.callbacks import __all__ as __all__
