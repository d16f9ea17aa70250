"""Losses: ``loss(output, y) -> (C, ∂C/∂output)``, C the per-sample cost averaged over the batch.

``y`` holds integer class labels ``(N,)`` (int64); ``mse`` also takes float targets ``(N, K)``.
Looked up by name in :data:`LOSSES` (``Trainer(loss="cross_entropy")``); :data:`TO_PROBA` maps the
same names to the function that turns the network output into class probabilities.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..errors import ConfigError

Loss = Callable[[np.ndarray, np.ndarray], "tuple[float, np.ndarray]"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits ``(N, K)``, stable for any finite logits."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy on logits ``(N, K)`` and labels ``(N,)``.

    ``C = mean_n [logsumexp(z_n) - z_n[y_n]]``; the first chain-rule factor is
    ``∂C/∂z = (softmax(z) - onehot(y)) / N``.
    """
    n = logits.shape[0]
    rows = np.arange(n)
    # log-sum-exp shifted by the row maximum: exp() never overflows, at worst underflows to 0.
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) - shifted[rows, y]))
    e /= s  # softmax
    e[rows, y] -= 1
    e *= 1.0 / n
    return loss, e


def _targets(y: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if y.ndim == 1:  # class labels -> one-hot targets
        t = np.zeros(shape, dtype=dtype)
        t[np.arange(shape[0]), y] = 1
        return t
    return y


def mse(output: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The notes' squared-error cost ``C = Σ_k (y_k - a_k)²`` per sample, averaged over the batch.

    Labels ``(N,)`` are turned into one-hot targets; ``∂C/∂a = 2 (a - y) / N``.
    """
    n = output.shape[0]
    diff = output - _targets(y, output.shape, output.dtype)
    loss = float(np.einsum("ij,ij->", diff, diff) / n)
    diff *= 2.0 / n
    return loss, diff


def cross_entropy_per_sample(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample terms ``logsumexp(z_n) - z_n[y_n]`` of :func:`cross_entropy` (their mean is C)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(logits.shape[0]), y]


def mse_per_sample(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample terms ``Σ_k (y_k - a_k)²`` of :func:`mse` (their mean is C)."""
    diff = output - _targets(y, output.shape, output.dtype)
    return np.einsum("ij,ij->i", diff, diff)


def _scores_to_proba(a: np.ndarray) -> np.ndarray:
    p = np.clip(a, 0, None)
    s = p.sum(axis=1, keepdims=True)
    k = a.shape[1]
    return np.divide(p, s, out=np.full_like(p, 1.0 / k), where=s > 0)


LOSSES: dict[str, Loss] = {"cross_entropy": cross_entropy, "mse": mse}
PER_SAMPLE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "cross_entropy": cross_entropy_per_sample,
    "mse": mse_per_sample,
}
TO_PROBA: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cross_entropy": softmax,
    "mse": _scores_to_proba,
}


def get_loss(name: str) -> Loss:
    """The loss called ``name``; a ConfigError lists the valid names otherwise."""
    if not isinstance(name, str) or name not in LOSSES:
        raise ConfigError(f"loss must be one of {sorted(LOSSES)}, got {name!r}")
    return LOSSES[name]


__all__ = ["LOSSES", "PER_SAMPLE", "TO_PROBA", "get_loss", "cross_entropy", "mse", "softmax",
           "cross_entropy_per_sample", "mse_per_sample"]
