"""What the Trainer takes: the structural types of a trainable model and of an optimizer.

:class:`augfit.nn.MLP` and the optimizers of :mod:`augfit.nn.optim` satisfy them, and so does any
other class with the same methods (nothing needs to inherit from these). mypy checks the match
where a model or optimizer is handed to :class:`~augfit.train.trainer.Trainer`.

Optional parts are read with ``getattr`` and documented where they are used: ``model.decay_mask()``
(needed only with ``decay_bias=False``), ``model.save(path)`` (for ``ModelCheckpoint``), and the
optimizer's ``lr``, ``weight_decay`` and ``decay_bias`` attributes.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class TrainableModel(Protocol):
    """A network the Trainer can fit: ``forward``/``backward`` over mini-batches, its parameter
    and gradient arrays (updated in place by the optimizer), and its weights as copies."""

    in_features: int
    out_features: int
    dtype: np.dtype

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Outputs ``(N, out_features)`` for inputs ``(N, in_features)`` (dense or CSR)."""
        ...

    def backward(self, grad: np.ndarray) -> None:
        """Fill the gradient arrays from ``∂C/∂output`` of the last training forward."""
        ...

    def parameters(self) -> Sequence[np.ndarray]:
        """The parameter arrays, which the optimizer updates in place."""
        ...

    def gradients(self) -> Sequence[np.ndarray]:
        """The gradient arrays, one per parameter array, refilled by every ``backward``."""
        ...

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the parameters (``EarlyStopping(restore_best_weights=True)`` keeps them)."""
        ...

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Copy ``weights`` (as returned by ``get_weights``) into the parameters."""
        ...


class StepOptimizer(Protocol):
    """An update rule: ``step`` changes each parameter array in place from its gradient."""

    def step(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray],
             decay_mask: Sequence[np.ndarray] | None = None) -> None:
        """Update ``params`` in place from ``grads`` (which may be used as scratch space)."""
        ...


__all__ = ["StepOptimizer", "TrainableModel"]
