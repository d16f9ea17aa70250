"""Metrics: accuracy and the train-validation gap (how much better the model does on seen data)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, TypeAlias, overload

import numpy as np

from ..arraytypes import ArrayLike
from ..errors import ConfigError, ShapeError


class HasHistory(Protocol):
    """A History callback, or anything else with a per-epoch ``.history`` (e.g. Keras's)."""

    @property
    def history(self) -> Mapping[str, Sequence[float]]: ...


#: a History (or anything with a ``.history``), or its per-epoch dict
HistoryLike: TypeAlias = HasHistory | Mapping[str, Sequence[float]]

# Metrics where larger is better; for the others (losses) the gap is val - train.
HIGHER_IS_BETTER = {"accuracy"}


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of correct predictions.

    ``y_pred`` is either labels ``(N,)`` or scores/probabilities ``(N, K)`` (argmax is taken).
    """
    truth = np.asarray(y_true)
    pred = np.asarray(y_pred)
    if pred.ndim == 2:
        pred = pred.argmax(axis=1)
    if truth.shape != pred.shape or truth.ndim != 1:
        raise ShapeError(f"accuracy(y_true, y_pred): expected labels of the same shape (N,) (or "
                         f"scores (N, K) for y_pred), got {truth.shape} and {pred.shape}")
    if truth.size == 0:
        raise ShapeError("accuracy(y_true=...): got no samples; pass at least one label")
    return float(np.mean(truth == pred))


def _history_dict(history: HistoryLike) -> Mapping[str, Sequence[float]]:
    """A History's (or anything's with a ``.history``, e.g. Keras's) per-epoch dict, or the dict."""
    return history if isinstance(history, Mapping) else history.history


def gap_curve(history: HistoryLike, metric: str = "accuracy") -> np.ndarray:
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


def generalization_gap(train: float | np.ndarray, held_out: float | np.ndarray,
                       metric: str = "accuracy") -> float | np.ndarray:
    """How much better the model does on its training data than on held-out data, signed so that
    > 0 means overfit: ``train - held_out`` for accuracy, ``held_out - train`` for losses.

    The one definition of the gap: the learning curves (held out = val) and the experiment cells
    (held out = test, the endpoint) both use it. Works on floats and arrays alike.

    >>> generalization_gap(1.0, 0.9, "accuracy"), generalization_gap(0.1, 0.4, "loss")
    (0.09999999999999998, 0.30000000000000004)
    """
    return train - held_out if metric in HIGHER_IS_BETTER else held_out - train


def train_val_gap(history: HistoryLike, metric: str = "accuracy", epoch: int | None = None
                  ) -> float:
    """The gap of :func:`gap_curve` at ``epoch`` (default: the last epoch)."""
    curve = gap_curve(history, metric)
    if curve.size == 0:
        raise ConfigError("train_val_gap(history=...): history has no epochs; train first")
    idx = -1 if epoch is None else epoch
    if not -curve.size <= idx < curve.size:
        raise ConfigError(f"train_val_gap(epoch=...) must be in [0, {curve.size}), got {epoch!r}")
    return float(curve[idx])


__all__ = ["HIGHER_IS_BETTER", "accuracy", "gap_curve", "generalization_gap", "train_val_gap"]
