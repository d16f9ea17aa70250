"""Deprecated name of :mod:`augfit.experiments.checker` (kept while other branches move over)."""
from .checker import *  # noqa: F403
from .checker import __all__  # noqa: F401
