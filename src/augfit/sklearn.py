"""scikit-learn interop: :class:`MLPClassifier`, an estimator around augfit's MLP and Trainer.

It works in ``Pipeline``, ``cross_val_score`` and ``GridSearchCV`` and passes
``sklearn.utils.estimator_checks.check_estimator``.

>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import MinMaxScaler
>>> clf = make_pipeline(MinMaxScaler(), MLPClassifier(hidden_layer_sizes=(64,), dropout=0.2,
...                                                    early_stopping=True, random_state=0))
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .errors import ConfigError, ShapeError
from .nn.model import DTYPES, MLP
from .nn.optim import OPTIMIZERS
from .train.callbacks import EarlyStopping
from .train.trainer import Trainer


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier trained by augfit (NumPy, float32 by default).

    Parameters
    ----------
    hidden_layer_sizes : sequence of int
        Widths of the hidden layers.
    activation : {"relu", "sigmoid", "tanh"}
    dropout : float
        Share of hidden units dropped during training, in [0, 1).
    optimizer : {"adam", "sgd", "momentum"}
    learning_rate : float
        Step size of the optimizer.
    alpha : float
        L2 weight decay.
    batch_size : int
        Mini-batch size (capped at the number of samples).
    max_iter : int
        Maximum number of epochs.
    early_stopping : bool
        Hold out ``validation_fraction`` of the training data (stratified) and stop when its loss
        has not improved by more than ``tol`` for ``n_iter_no_change`` epochs; the best epoch's
        weights are restored.
    validation_fraction, n_iter_no_change, tol :
        Early-stopping settings.
    random_state : int, RandomState or None
        Seeds initial weights, dropout masks, shuffling and the validation split.
    dtype : {"float32", "float64"}

    Attributes
    ----------
    classes_ : ndarray
    n_features_in_ : int
    model_ : augfit.nn.MLP
    history_ : dict of lists
        Per-epoch ``loss``, ``accuracy`` (and ``val_loss``, ``val_accuracy`` with early stopping).
    n_iter_ : int
        Epochs run.
    best_epoch_ : int or None
        Epoch whose weights were kept (early stopping only).
    """

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,), activation: str = "relu",
                 dropout: float = 0.0, optimizer: str = "adam", learning_rate: float = 1e-3,
                 alpha: float = 0.0, batch_size: int = 128, max_iter: int = 200,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 0.0, random_state: Any = None,
                 dtype: str = "float32") -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _check_params(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"MLPClassifier(optimizer=...) must be one of {sorted(OPTIMIZERS)}, "
                              f"got {self.optimizer!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(f"MLPClassifier(dtype=...) must be one of {DTYPES}, "
                              f"got {self.dtype!r}")
        if not isinstance(self.validation_fraction, float) or not 0 < self.validation_fraction < 1:
            raise ConfigError(f"MLPClassifier(validation_fraction=...) must be a float in (0, 1), "
                              f"got {self.validation_fraction!r}")

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on features ``X`` (array or sparse) and class labels ``y`` of any type."""
        self._check_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.dtype(self.dtype))
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ShapeError(f"MLPClassifier.fit(y=...) has only one class ({self.classes_[0]!r}); "
                             f"a classifier needs samples of at least 2 classes")
        model_seed, split_seed, fit_seed = (
            int(s) for s in check_random_state(self.random_state).randint(0, 2**31 - 1, size=3))
        val = None
        callbacks = []
        if self.early_stopping:
            X, X_val, y_enc, y_val = self._split(X, y_enc, split_seed)
            val = (X_val, y_val)
            stopper = EarlyStopping(monitor="val_loss", patience=self.n_iter_no_change,
                                    min_delta=self.tol, restore_best_weights=True)
            callbacks.append(stopper)
        self.model_ = MLP(self.n_features_in_, list(self.hidden_layer_sizes), len(self.classes_),
                          activation=self.activation, dropout=self.dropout, seed=model_seed,
                          dtype=self.dtype)
        opt = OPTIMIZERS[self.optimizer](lr=self.learning_rate, weight_decay=self.alpha)
        self.trainer_ = Trainer(self.model_, loss="cross_entropy", optimizer=opt,
                                callbacks=callbacks)
        history = self.trainer_.fit(X, y_enc, val=val, epochs=self.max_iter,
                                    batch_size=min(self.batch_size, X.shape[0]), seed=fit_seed)
        self.history_ = history.history
        self.n_iter_ = len(history.epoch)
        self.best_epoch_ = callbacks[0].best_epoch if callbacks else None
        return self

    def _split(self, X: Any, y: np.ndarray, seed: int) -> list:
        try:
            return train_test_split(X, y, test_size=self.validation_fraction, random_state=seed,
                                    stratify=y)
        except ValueError:  # a class too small to stratify: fall back to a plain split
            return train_test_split(X, y, test_size=self.validation_fraction, random_state=seed)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.dtype(self.dtype), reset=False)
        return self.trainer_.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels (values from ``classes_``)."""
        proba = self.predict_proba(X)  # checks fitted first, before classes_ is touched
        return self.classes_[proba.argmax(axis=1)]


__all__ = ["MLPClassifier"]
