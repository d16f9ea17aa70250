"""Weight initialisers: Glorot (Xavier) and He (Kaiming), each drawing from a Generator passed in.

Every initialiser has the signature ``init(rng, fan_in, fan_out, dtype) -> (fan_in, fan_out)``
array, and they are looked up by name in :data:`INITIALIZERS` (``MLP(init="he_normal")``).
"""
from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..checks import check_choice

Initializer = Callable[[np.random.Generator, int, int, "np.dtype | str"], np.ndarray]


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int,
                   dtype: np.dtype | str = "float32") -> np.ndarray:
    """U(-l, l) with ``l = sqrt(6 / (fan_in + fan_out))``: keeps variance for sigmoid/tanh."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def glorot_normal(rng: np.random.Generator, fan_in: int, fan_out: int,
                  dtype: np.dtype | str = "float32") -> np.ndarray:
    """N(0, 2 / (fan_in + fan_out))."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int,
               dtype: np.dtype | str = "float32") -> np.ndarray:
    """U(-l, l) with ``l = sqrt(6 / fan_in)``: keeps variance through ReLU."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int,
              dtype: np.dtype | str = "float32") -> np.ndarray:
    """N(0, 2 / fan_in)."""
    std = math.sqrt(2.0 / fan_in)
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


INITIALIZERS: dict[str, Initializer] = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}

# The initialiser MLP picks when none is named: He for ReLU, Glorot for the saturating ones.
DEFAULT_INIT = {"relu": "he_normal", "sigmoid": "glorot_uniform", "tanh": "glorot_uniform",
                None: "glorot_uniform"}


def get_initializer(name: str) -> Initializer:
    """The initialiser called ``name``; a ConfigError lists the valid names otherwise."""
    check_choice(name, "init", INITIALIZERS)
    return INITIALIZERS[name]


__all__ = [
    "DEFAULT_INIT",
    "INITIALIZERS",
    "get_initializer",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
]
