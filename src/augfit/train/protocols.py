"""What the Trainer takes: the structural types of a trainable model and of an optimizer.

:class:`augfit.nn.MLP` and the optimizers of :mod:`augfit.nn.optim` satisfy them, and so does any
other class with the same methods (nothing needs to inherit from these). mypy checks the match
where a model or optimizer is handed to :class:`~augfit.train.trainer.Trainer`.

Optional parts are read with ``getattr`` and documented where they are used: ``model.decay_mask()``
(needed only with ``decay_bias=False``), ``model.save(path)`` (for ``ModelCheckpoint``), and the
optimizer's ``lr``, ``weight_decay`` and ``decay_bias`` attributes.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np

from ..arraytypes import ArrayLike

#: what ``Trainer.fit`` takes as its data besides arrays: an iterable whose every ``iter()``
#: yields one epoch of ``(xb, yb)`` batches (a :class:`~augfit.data.loader.DataLoader`)
BatchSource: TypeAlias = Iterable[tuple[object, ArrayLike]]


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


class SizedBatchSource(Protocol):
    """A :data:`BatchSource` of known length (batches per epoch), as ``fit_stacked`` needs."""

    def __iter__(self) -> Iterator[tuple[object, ArrayLike]]: ...

    def __len__(self) -> int: ...


@runtime_checkable
class SavableModel(Protocol):
    """A model that can write itself to a file (``ModelCheckpoint`` needs it)."""

    def save(self, path: str) -> None:
        """Write the model to ``path``."""
        ...


class LabelledData(Protocol):
    """Inputs with their labels, as ``fit(val=...)`` takes them besides an ``(x, y)`` pair (a
    :class:`~augfit.data.container.Dataset`)."""

    @property
    def x(self) -> object:
        """The inputs (features, or raw inputs the loader's ``featurize`` turns into them)."""
        ...

    @property
    def y(self) -> ArrayLike:
        """The labels ``(N,)``."""
        ...


class TrainerLike(Protocol):
    """What a callback sees of the trainer it is called by (:meth:`Callback.set_trainer`)."""

    model: TrainableModel
    optimizer: StepOptimizer
    #: the fit's budget: ``epochs``, ``steps`` (per logged epoch), ``batch_size``, ``total_steps``
    params: dict[str, int | None]
    stop_training: bool
    #: optimizer steps taken so far in the fit
    step_count: int

    @property
    def callbacks(self) -> Sequence[object]:
        """The callbacks it calls (one callback may refuse to run with another)."""
        ...

    def evaluate(self, x: ArrayLike, y: ArrayLike) -> dict[str, float]:
        """``{"loss", "accuracy"}`` of the model on ``x``, ``y``."""
        ...


#: what ``fit(val=...)`` takes: an ``(x, y)`` pair or a Dataset-like with ``.x``/``.y``
ValData: TypeAlias = tuple[ArrayLike, ArrayLike] | LabelledData

__all__ = ["BatchSource", "LabelledData", "SavableModel", "SizedBatchSource", "StepOptimizer",
           "TrainableModel", "TrainerLike", "ValData"]
