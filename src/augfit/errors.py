"""augfit's exceptions.

Every error augfit raises on purpose is an :class:`AugfitError`. It subclasses ``ValueError`` so
that code written against scikit-learn-style validation (``except ValueError``) keeps working.
Messages name the argument, the value received and what is expected or how to fix it.
"""
from __future__ import annotations


class AugfitError(ValueError):
    """Base class of every error augfit raises on purpose."""


class ConfigError(AugfitError):
    """An argument, option or spec field has a value that is not allowed."""


class ShapeError(AugfitError):
    """An array has the wrong shape, dtype or value range for the call."""


class MissingResourceError(AugfitError):
    """A system package, data file or optional dependency is missing; the message says how to get
    it."""


class ExternalProcessError(AugfitError):
    """An external command (apertium, espeak-ng) failed or hung; the message names the command."""


class TrainingError(AugfitError):
    """Training cannot go on (e.g. the loss became NaN); the message says where and what to try."""


class StoreError(AugfitError):
    """A results store cannot be read or written (corrupt, foreign, read-only, disk full); the
    message names the file and what to do. Finished results already stored are never lost."""


class AugfitWarning(UserWarning):
    """Something went wrong but augfit recovered or carried on (a corrupt cache file recomputed, a
    diverged training run); the message says what and where."""


class DataChangedWarning(AugfitWarning):
    """The data of an experiment changed since results were stored: they are not reused."""


__all__ = [
    "AugfitError",
    "AugfitWarning",
    "ConfigError",
    "DataChangedWarning",
    "ExternalProcessError",
    "MissingResourceError",
    "ShapeError",
    "StoreError",
    "TrainingError",
]
