"""Finite-difference gradient checks (used by the tests; run them in float64).

The analytic gradient from ``backward`` is compared with central differences
``(f(θ + ε) - f(θ - ε)) / 2ε`` by the relative error ``||a - n|| / (||a|| + ||n||)``.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from ..rng import SeedLike, as_generator
from .layers import Layer
from .losses import Loss
from .model import MLP


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one element at a time, and restored.
    """
    if not x.flags.c_contiguous:
        raise ValueError("numerical_gradient(x=...) needs a C-contiguous array to perturb in place")
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / (||a|| + ||n||)`` (0 when both are 0)."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    denom = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - n) / denom)


def check_layer(layer: Layer, x: np.ndarray, seed: SeedLike = 0,
                eps: float = 1e-6) -> dict[str, float]:
    """Relative errors of a layer's gradients (input ``"x"`` and ``"param0"``, ...).

    The scalar checked is ``Σ forward(x) * R`` with a random ``R``, so ``backward(R)`` is its
    gradient. A sparse ``x`` (first-layer path) is checked for the parameters only. Dropout must
    have a fixed mask (``set_mask``) for the check to be meaningful.
    """
    R = as_generator(seed).standard_normal(np.shape(layer.forward(x, training=True)))

    def f() -> float:
        return float(np.sum(layer.forward(x, training=True) * R))

    layer.forward(x, training=True)
    dx = layer.backward(R.copy())
    dx = None if dx is None else np.array(dx)
    analytic = [g.copy() for g in layer.grads]
    errors = {}
    if dx is not None and not sp.issparse(x):
        errors["x"] = relative_error(dx, numerical_gradient(f, x, eps))
    for i, (p, g) in enumerate(zip(layer.params, analytic, strict=True)):
        errors[f"param{i}"] = relative_error(g, numerical_gradient(f, p, eps))
    return errors


def check_loss(loss: Loss, output: np.ndarray, y: np.ndarray, eps: float = 1e-6) -> float:
    """Relative error of ``loss``'s gradient with respect to the network output."""
    _, grad = loss(output, y)
    return relative_error(grad, numerical_gradient(lambda: loss(output, y)[0], output, eps))


def check_model(model: MLP, loss: Loss, x: np.ndarray, y: np.ndarray,
                eps: float = 1e-6) -> float:
    """Relative error of the backprop gradient (all parameters, flat) of ``loss(model(x), y)``."""
    def f() -> float:
        return loss(model.forward(x, training=True), y)[0]

    _, grad = loss(model.forward(x, training=True), y)
    model.backward(grad)
    analytic = model.gradients()[0].copy()
    return relative_error(analytic, numerical_gradient(f, model.parameters()[0], eps))


__all__ = ["check_layer", "check_loss", "check_model", "numerical_gradient", "relative_error"]
