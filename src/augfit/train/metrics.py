"""Metrics: accuracy and the train-validation gap (how much better the model does on seen data)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, overload

import numpy as np

from ..errors import ConfigError, ShapeError

# Metrics where larger is better; for the others (losses) the gap is val - train.
HIGHER_IS_BETTER = {"accuracy"}


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Share of correct predictions.

    ``y_pred`` is either labels ``(N,)`` or scores/probabilities ``(N, K)`` (argmax is taken).
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ShapeError(f"accuracy(y_true, y_pred): expected labels of the same shape (N,) (or "
                         f"scores (N, K) for y_pred), got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ShapeError("accuracy(y_true=...): got no samples; pass at least one label")
    return float(np.mean(y_true == y_pred))


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    """A History's (or anything's with a ``.history``, e.g. Keras's) per-epoch dict, or the dict."""
    h: Mapping[str, Sequence[float]] = getattr(history, "history", history)
    return h


def gap_curve(history: Any, metric: str = "accuracy") -> np.ndarray:
    """Per-epoch gap between training and validation ``metric``, signed so that > 0 means overfit.

    For accuracy it is ``train - val``; for losses ``val_loss - loss``.

    Parameters
    ----------
    history : History or dict
        ``History`` callback (or its ``.history`` dict) with ``metric`` and ``"val_" + metric``.
    """
    h = _history_dict(history)
    val_key = f"val_{metric}"
    if metric not in h or val_key not in h:
        raise ConfigError(f"gap_curve(metric={metric!r}): history needs {metric!r} and "
                          f"{val_key!r}, it has {sorted(h)}; train with val=... to record them")
    return generalization_gap(np.asarray(h[metric], float), np.asarray(h[val_key], float), metric)


@overload
def generalization_gap(train: float, held_out: float, metric: str = ...) -> float: ...


@overload
def generalization_gap(train: np.ndarray, held_out: np.ndarray, metric: str = ...
                       ) -> np.ndarray: ...


def generalization_gap(train: Any, held_out: Any, metric: str = "accuracy") -> Any:
    """How much better the model does on its training data than on held-out data, signed so that
    > 0 means overfit: ``train - held_out`` for accuracy, ``held_out - train`` for losses.

    The one definition of the gap: the learning curves (held out = val) and the experiment cells
    (held out = test, the endpoint) both use it. Works on floats and arrays alike.

    >>> generalization_gap(1.0, 0.9, "accuracy"), generalization_gap(0.1, 0.4, "loss")
    (0.09999999999999998, 0.30000000000000004)
    """
    return train - held_out if metric in HIGHER_IS_BETTER else held_out - train


def train_val_gap(history: Any, metric: str = "accuracy", epoch: int | None = None) -> float:
    """The gap of :func:`gap_curve` at ``epoch`` (default: the last epoch)."""
    curve = gap_curve(history, metric)
    if curve.size == 0:
        raise ConfigError("train_val_gap(history=...): history has no epochs; train first")
    idx = -1 if epoch is None else epoch
    if not -curve.size <= idx < curve.size:
        raise ConfigError(f"train_val_gap(epoch=...) must be in [0, {curve.size}), got {epoch!r}")
    return float(curve[idx])


__all__ = ["HIGHER_IS_BETTER", "accuracy", "gap_curve", "generalization_gap", "train_val_gap"]
