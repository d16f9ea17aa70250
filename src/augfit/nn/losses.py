"""Losses: ``loss(output, y) -> (C, ∂C/∂output)``, C the per-sample cost averaged over the batch.

``y`` holds integer class labels ``(N,)`` (int64) or soft targets ``(N, K)`` (float rows, e.g. the
mixed labels of MixUp/CutMix; for cross-entropy each row is a distribution summing to 1). Looked up
by name in :data:`LOSSES` (``Trainer(loss="cross_entropy")``); :data:`TO_PROBA` maps the same names
to the function that turns the network output into class probabilities, and
:data:`SOFT_TARGET_LOSSES` names the losses that accept soft targets.

Label smoothing (Szegedy et al. 2016) replaces the targets ``t`` by ``(1 - ε)·t + ε/K`` before the
cost is taken: :func:`get_loss` ``(name, label_smoothing=ε)``.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..checks import check_choice, check_number
from ..errors import ConfigError

Loss = Callable[[np.ndarray, np.ndarray], "tuple[float, np.ndarray]"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits ``(N, K)``, stable for any finite logits."""
    e: np.ndarray = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def targets(y: np.ndarray, shape: tuple[int, ...], dtype: np.dtype,
            label_smoothing: float = 0.0) -> np.ndarray:
    """Target rows ``(N, K)``: one-hot for labels ``(N,)``, soft targets as given; then smoothed
    to ``(1 - ε)·t + ε/K`` when ``label_smoothing = ε > 0`` (a new array: ``y`` is not modified)."""
    if y.ndim == 1:  # class labels -> one-hot targets
        t = np.zeros(shape, dtype=dtype)
        t[np.arange(shape[0]), y] = 1
    else:
        t = y.astype(dtype, copy=bool(label_smoothing))
    if label_smoothing:
        t *= 1.0 - label_smoothing
        t += label_smoothing / shape[1]
    return t


def cross_entropy(logits: np.ndarray, y: np.ndarray,
                  label_smoothing: float = 0.0) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy on logits ``(N, K)`` and labels ``(N,)`` or soft targets ``(N, K)``.

    Labels: ``C = mean_n [logsumexp(z_n) - z_n[y_n]]`` and ``∂C/∂z = (softmax(z) - onehot(y)) / N``.
    Targets ``t`` (or smoothed labels): ``C = mean_n Σ_k t_nk (logsumexp(z_n) - z_nk)`` and
    ``∂C/∂z = (softmax(z)·Σ_k t_nk - t) / N``, which is ``(softmax(z) - t) / N`` for rows summing
    to 1.
    """
    n = logits.shape[0]
    # log-sum-exp shifted by the row maximum: exp() never overflows, at worst underflows to 0.
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    e /= s  # softmax
    if y.ndim == 1 and not label_smoothing:
        rows = np.arange(n)
        loss = float(np.mean(np.log(s[:, 0]) - shifted[rows, y]))
        e[rows, y] -= 1
    else:
        t = targets(y, logits.shape, logits.dtype, label_smoothing)
        mass = t.sum(axis=1)
        loss = float(np.mean(np.log(s[:, 0]) * mass - np.einsum("ij,ij->i", t, shifted)))
        e *= mass[:, None]
        e -= t
    e *= 1.0 / n
    return loss, e


def cross_entropy_stacked(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cross_entropy` of a stack of models at once: logits ``(A, N, K)`` and labels
    ``(A, N)`` give ``(C, ∂C/∂z)``, ``C`` of shape ``(A,)`` (in the logits' dtype), the same bits
    as ``cross_entropy(logits[a], y[a])`` for each ``a`` (every step is elementwise, or a
    reduction along the last axis of contiguous rows as there; tested). Hard labels only.

    >>> z = np.array([[[2.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [3.0, 0.0]]], np.float32)
    >>> y = np.array([[0, 1], [1, 0]])
    >>> c, g = cross_entropy_stacked(z, y)
    >>> all(c[a] == np.float32(cross_entropy(z[a], y[a])[0]) for a in range(2))
    True
    >>> all(np.array_equal(g[a], cross_entropy(z[a], y[a])[1]) for a in range(2))
    True
    """
    a, n = y.shape
    shifted = logits - logits.max(axis=2, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=2, keepdims=True)
    e /= s  # softmax
    models, rows = np.arange(a)[:, None], np.arange(n)[None, :]
    loss: np.ndarray = np.mean(np.log(s[:, :, 0]) - shifted[models, rows, y], axis=1)
    e[models, rows, y] -= 1
    e *= 1.0 / n
    return loss, e


def mse(output: np.ndarray, y: np.ndarray,
        label_smoothing: float = 0.0) -> tuple[float, np.ndarray]:
    """The notes' squared-error cost ``C = Σ_k (y_k - a_k)²`` per sample, averaged over the batch.

    Labels ``(N,)`` are turned into one-hot targets; ``∂C/∂a = 2 (a - y) / N``.
    """
    n = output.shape[0]
    diff = output - targets(y, output.shape, output.dtype, label_smoothing)
    loss = float(np.einsum("ij,ij->", diff, diff) / n)
    diff *= 2.0 / n
    return loss, diff


def cross_entropy_per_sample(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample terms ``logsumexp(z_n) - z_n[y_n]`` of :func:`cross_entropy` (their mean is C);
    for soft targets ``Σ_k t_nk (logsumexp(z_n) - z_nk)``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(shifted).sum(axis=1))
    terms: np.ndarray
    if y.ndim == 2:
        t = targets(y, logits.shape, logits.dtype)
        terms = lse * t.sum(axis=1) - np.einsum("ij,ij->i", t, shifted)
    else:
        terms = lse - shifted[np.arange(logits.shape[0]), y]
    return terms


def mse_per_sample(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample terms ``Σ_k (y_k - a_k)²`` of :func:`mse` (their mean is C)."""
    diff = output - targets(y, output.shape, output.dtype)
    terms: np.ndarray = np.einsum("ij,ij->i", diff, diff)
    return terms


def _scores_to_proba(a: np.ndarray) -> np.ndarray:
    p: np.ndarray = np.clip(a, 0, None)
    s = p.sum(axis=1, keepdims=True)
    k = a.shape[1]
    out = np.full_like(p, 1.0 / k)
    np.divide(p, s, out=out, where=s > 0)
    return out


LOSSES: dict[str, Loss] = {"cross_entropy": cross_entropy, "mse": mse}
PER_SAMPLE: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "cross_entropy": cross_entropy_per_sample,
    "mse": mse_per_sample,
}
TO_PROBA: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cross_entropy": softmax,
    "mse": _scores_to_proba,
}
SOFT_TARGET_LOSSES: set[str] = {"cross_entropy", "mse"}
"""Losses that accept soft targets ``(N, K)`` and a ``label_smoothing`` keyword; a loss added to
:data:`LOSSES` without being listed here is treated as taking hard labels only."""


def check_label_smoothing(value: object, where: str = "label_smoothing") -> float:
    """A label-smoothing amount in [0, 1) as float (ConfigError naming ``where`` otherwise)."""
    return check_number(value, where, "", 0, 1, high_open=True,
                        hint=" (0 = no smoothing; 0.1 is usual)")


def get_loss(name: str, label_smoothing: float = 0.0) -> Loss:
    """The loss called ``name`` (with ``label_smoothing`` bound); ConfigError for a bad name."""
    check_choice(name, "loss", LOSSES)
    eps = check_label_smoothing(label_smoothing)
    if not eps:
        return LOSSES[name]
    if name not in SOFT_TARGET_LOSSES:
        raise ConfigError(f"label_smoothing={eps} needs a loss that takes soft targets "
                          f"({sorted(SOFT_TARGET_LOSSES)}), got loss {name!r}")
    # the losses of SOFT_TARGET_LOSSES take label_smoothing; Loss, the table's type, cannot say so
    return functools.partial(LOSSES[name], label_smoothing=eps)  # type: ignore[call-arg]


__all__ = [
    "LOSSES",
    "PER_SAMPLE",
    "SOFT_TARGET_LOSSES",
    "TO_PROBA",
    "check_label_smoothing",
    "cross_entropy",
    "cross_entropy_per_sample",
    "cross_entropy_stacked",
    "get_loss",
    "mse",
    "mse_per_sample",
    "softmax",
    "targets",
]
