"""Datasets by name (load, available), Dataset and the loaders of the user's own files.
``augfit.datasets`` re-exports ``augfit.data.datasets``, so ``import augfit.datasets`` and
``from augfit.datasets import ...`` work as ``af.datasets`` does."""
from .data.datasets import *  # noqa: F403
from .data.datasets import __all__ as __all__
