"""scikit-learn interop: :class:`MLPClassifier`, an estimator around augfit's MLP and Trainer.

It works in ``Pipeline``, ``cross_val_score`` and ``GridSearchCV`` and passes
``sklearn.utils.estimator_checks.check_estimator`` (with ``augment=None``, on feature matrices).

Given ``augment=`` (or raw data), it trains on raw images, texts or waveforms: each epoch's batches
are augmented afresh by an :class:`augfit.DataLoader`, then turned into features by ``features``.
A transform passed as ``augment`` is a nested parameter, so ``GridSearchCV`` can search its
strength: ``param_grid={"augment__rotate__limit": [0, 10, 20]}`` (see
:mod:`augfit.transforms.params` for the step names).

>>> from sklearn.pipeline import make_pipeline
>>> from sklearn.preprocessing import MinMaxScaler
>>> clf = make_pipeline(MinMaxScaler(), MLPClassifier(hidden_layer_sizes=(64,), dropout=0.2,
...                                                    early_stopping=True, random_state=0))
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeGuard

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .arraytypes import ArrayLike, Features, is_sparse
from .checks import check_choice, check_number
from .data.datasets import Dataset
from .data.features import make_featurizer
from .data.loader import AugmentSpec, DataLoader, FeaturesSpec, _as_augment
from .errors import ConfigError, ShapeError
from .nn.model import DTYPES, MLP
from .nn.optim import OPTIMIZERS
from .train.callbacks import EarlyStopping
from .train.trainer import Trainer

if TYPE_CHECKING:
    from sklearn.utils import Tags

LEARNING_RATES = ("constant", "invscaling", "adaptive")   # scikit-learn's schedule names
SOLVERS = ("adam", "sgd")                                  # scikit-learn's that augfit trains with


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron classifier trained by augfit (NumPy, float32 by default).

    Parameters
    ----------
    hidden_layer_sizes : sequence of int
        Widths of the hidden layers.
    activation : {"relu", "sigmoid", "tanh", "logistic"}
        ``"logistic"`` is scikit-learn's name for ``"sigmoid"``.
    dropout : float
        Share of hidden units dropped during training, in [0, 1).
    optimizer : {"adam", "sgd", "momentum"}
        The optimizer; ``solver`` is scikit-learn's name for it.
    learning_rate : {"constant"} or float
        scikit-learn's schedule name (only ``"constant"``: a schedule over epochs is augfit's
        ``Trainer`` business). A number is the step size, augfit's older spelling of
        ``learning_rate_init``.
    learning_rate_init : float or None
        Step size of the optimizer (None: 0.001, scikit-learn's default).
    alpha : float
        L2 weight decay.
    batch_size : int or "auto"
        Mini-batch size (capped at the number of samples); ``"auto"`` is min(200, n_samples), as in
        scikit-learn.
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
    solver : {"adam", "sgd"} or None
        scikit-learn's name for ``optimizer`` (``"lbfgs"`` is not offered: augfit trains by
        mini-batch backpropagation). None: use ``optimizer``.
    shuffle : bool
        Shuffle the samples every epoch (scikit-learn's ``shuffle``).
    verbose : bool or int
        Report progress per epoch (see :meth:`augfit.Trainer.fit`).
    dtype : {"float32", "float64"}
    augment : Transform, Compose, transform dict, list of transform dicts, or None
        Augmentation of the raw training samples, re-drawn every epoch (from ``random_state``).
        Needs raw input ``X``: images ``(N, H, W[, C])``, a list of str, or waveforms ``(N, T)``
        with ``features="audio_logmel"``. Never applied to ``predict`` inputs or the early-stopping
        validation share.
    features : "auto", featurizer name, dict, featurizer object, or None
        How raw ``X`` becomes features (fitted on the un-augmented training samples). ``"auto"``:
        images ``image_flatten``, texts ``text_hashing``, 2-D numbers used as they are. ``None``:
        ``X`` (after augmentation) is used as it is.

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
    featurizer_ : Featurizer or None
        The fitted featurizer (raw input only).
    """

    def __init__(self, hidden_layer_sizes: Sequence[int] = (100,), activation: str = "relu",
                 dropout: float = 0.0, optimizer: str = "adam",
                 learning_rate: str | float = "constant", learning_rate_init: float | None = None,
                 alpha: float = 0.0, batch_size: int | str = 128, max_iter: int = 200,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 0.0,
                 random_state: int | np.random.RandomState | None = None,
                 dtype: str = "float32", augment: AugmentSpec | list[object] = None,
                 features: FeaturesSpec = "auto",
                 solver: str | None = None, shuffle: bool = True,
                 verbose: bool | int = False) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.dtype = dtype
        self.augment = augment
        self.features = features
        self.solver = solver
        self.shuffle = shuffle
        self.verbose = verbose

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _check_params(self) -> None:
        check_choice(self.optimizer, "optimizer", OPTIMIZERS, "MLPClassifier")
        check_choice(self.dtype, "dtype", DTYPES, "MLPClassifier")
        check_number(self.validation_fraction, "validation_fraction", "MLPClassifier", 0, 1,
                     low_open=True, high_open=True)
        self._lr()
        self._optimizer()

    def _lr(self) -> float:
        """The step size from ``learning_rate_init`` or a numeric ``learning_rate`` (not both)."""
        lr, init = self.learning_rate, self.learning_rate_init
        if isinstance(lr, str):
            check_choice(lr, "learning_rate", LEARNING_RATES, "MLPClassifier")
            if lr != "constant":
                raise ConfigError(
                    f"MLPClassifier(learning_rate={lr!r}) is a scikit-learn schedule that augfit "
                    f"does not offer here; use learning_rate='constant' (an lr schedule over "
                    f"epochs: augfit.Trainer with a schedule)")
            return 1e-3 if init is None else check_number(init, "learning_rate_init",
                                                          "MLPClassifier", 0, low_open=True)
        if init is not None:
            raise ConfigError(
                f"MLPClassifier got the step size twice: learning_rate={lr!r} and "
                f"learning_rate_init={init!r}; pass learning_rate_init= alone (scikit-learn's "
                f"name), with learning_rate='constant'")
        return check_number(lr, "learning_rate", "MLPClassifier", 0, low_open=True)

    def _optimizer(self) -> str:
        """``optimizer``, or scikit-learn's ``solver`` when given (they must agree)."""
        if self.solver is None:
            return str(self.optimizer)
        check_choice(self.solver, "solver", SOLVERS, "MLPClassifier")
        if self.optimizer not in ("adam", self.solver):
            raise ConfigError(
                f"MLPClassifier got solver={self.solver!r} and optimizer={self.optimizer!r}; "
                f"pass one of them (solver= is scikit-learn's name for optimizer=)")
        return str(self.solver)

    def _batch_size(self, n: int) -> int:
        if isinstance(self.batch_size, str):
            check_choice(self.batch_size, "batch_size", ("auto",), "MLPClassifier")
            return min(200, n)
        return min(self.batch_size, n)

    def _raw(self, X: ArrayLike) -> bool:
        """Whether ``X`` takes the raw path (augment and/or featurizer) instead of a matrix."""
        if self.augment is not None:
            return True
        if not (isinstance(self.features, str) and self.features == "auto"):
            return self.features is not None
        return _is_text(X) or (isinstance(X, np.ndarray) and X.ndim >= 3
                               and X.dtype.kind in "uif")

    def fit(self, X: ArrayLike, y: ArrayLike) -> MLPClassifier:
        """Train on features ``X`` (array or sparse), or on raw samples (see ``augment`` and
        ``features``), and class labels ``y`` of any type."""
        self._check_params()
        raw = self._raw(X)
        xs: Features | list[str]
        if raw:
            xs = _raw_samples(X)
            labels = _raw_labels(y, len(xs))
        else:
            xs, labels = validate_data(self, X, y, accept_sparse="csr", dtype=np.dtype(self.dtype))
        check_classification_targets(labels)
        self.classes_, y_enc = np.unique(labels, return_inverse=True)
        if len(self.classes_) < 2:
            raise ShapeError(f"MLPClassifier.fit(y=...) has only one class ({self.classes_[0]!r}); "
                             f"a classifier needs samples of at least 2 classes")
        model_seed, split_seed, fit_seed = (
            int(s) for s in check_random_state(self.random_state).randint(0, 2**31 - 1, size=3))
        val = None
        callbacks = []
        if self.early_stopping:
            xs, X_val, y_enc, y_val = self._split(xs, y_enc, split_seed)
            val = (X_val, y_val)
            stopper = EarlyStopping(monitor="val_loss", patience=self.n_iter_no_change,
                                    min_delta=self.tol, restore_best_weights=True)
            callbacks.append(stopper)
        batch_size = self._batch_size(len(y_enc))
        data: Features | list[str] | DataLoader = xs
        self.featurizer_ = None
        if raw:
            data = self._loader(xs, y_enc, batch_size, fit_seed)
            self.featurizer_ = data.features
            n_in = _width(data.featurize(xs[:1]))
            if val is not None:
                val = (data.featurize(val[0]), val[1])
        else:
            n_in = self.n_features_in_
        activation = "sigmoid" if self.activation == "logistic" else self.activation
        self.model_ = MLP(n_in, list(self.hidden_layer_sizes), len(self.classes_),
                          activation=activation, dropout=self.dropout, seed=model_seed,
                          dtype=self.dtype)
        opt = OPTIMIZERS[self._optimizer()](lr=self._lr(), weight_decay=self.alpha)
        self.trainer_ = Trainer(self.model_, loss="cross_entropy", optimizer=opt,
                                callbacks=callbacks)
        if raw:
            history = self.trainer_.fit(data, val=val, epochs=self.max_iter,
                                        verbose=self.verbose)
        else:
            history = self.trainer_.fit(xs, y_enc, val=val, epochs=self.max_iter,
                                        batch_size=batch_size, shuffle=bool(self.shuffle),
                                        seed=fit_seed, verbose=self.verbose)
        self.history_ = history.history
        self.n_iter_ = len(history.epoch)
        self.best_epoch_ = callbacks[0].best_epoch if callbacks else None
        return self

    def _loader(self, X: np.ndarray | list[str], y: np.ndarray, batch_size: int, seed: int
                ) -> DataLoader:
        """A DataLoader over raw ``X``: augment per batch and epoch, then featurize."""
        modality = "text" if isinstance(X, list) else "image" if X.ndim >= 3 else "audio"
        feat = self.features
        if isinstance(feat, str) and feat == "auto":
            feat = None if modality == "audio" else "auto"
        elif feat is not None:
            feat = make_featurizer(feat)
            if hasattr(feat, "get_config"):  # a fresh, unfitted copy: fit never changes a param
                feat = type(feat)(**feat.get_config())
        augment = self.augment
        if isinstance(augment, list):
            augment = {"type": "Compose", "transforms": augment}
        try:
            augment = _as_augment(augment)
        except ConfigError as e:
            raise ConfigError(str(e).replace("DataLoader(augment=...)",
                                             "MLPClassifier(augment=...)")) from None
        ds = Dataset(X, y, modality, [str(c) for c in self.classes_])
        return DataLoader(ds, batch_size=batch_size, shuffle=bool(self.shuffle), augment=augment,
                          features=feat, seed=seed)

    def _split(self, X: ArrayLike, y: np.ndarray, seed: int) -> list:
        try:
            return train_test_split(X, y, test_size=self.validation_fraction, random_state=seed,
                                    stratify=y)
        except ValueError:  # a class too small to stratify: fall back to a plain split
            return train_test_split(X, y, test_size=self.validation_fraction, random_state=seed)

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``, columns in the order of ``classes_``."""
        check_is_fitted(self)
        if getattr(self, "featurizer_", None) is not None or (
                hasattr(self, "trainer_") and not hasattr(self, "n_features_in_")):
            xs: Features | list[str] = _raw_samples(X)
            if self.featurizer_ is not None:
                xs = self.featurizer_.transform(xs)
            return self.trainer_.predict_proba(np.asarray(xs, dtype=self.dtype)
                                               if isinstance(xs, np.ndarray) else xs)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.dtype(self.dtype), reset=False)
        return self.trainer_.predict_proba(X)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted class labels (values from ``classes_``)."""
        proba = self.predict_proba(X)  # checks fitted first, before classes_ is touched
        return self.classes_[proba.argmax(axis=1)]


def _is_text(X: object) -> TypeGuard[Sequence[str] | np.ndarray]:
    """A non-empty list, tuple or 1-D array of str."""
    return (isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(s, str) for s in X)) \
        or (isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind in "UO" and X.size > 0
            and all(isinstance(s, str) for s in X))


def _width(features: object) -> int:
    """The feature width of the loader's features of one sample."""
    if not isinstance(features, np.ndarray) and not is_sparse(features):
        raise ShapeError(f"MLPClassifier needs numeric features, got {type(features).__name__}; "
                         f"give features='auto' (or a featurizer) for raw samples")
    return int(features.shape[1])


def _raw_samples(X: object) -> np.ndarray | list[str]:
    """Raw samples as a list of str or a numeric array."""
    if _is_text(X):
        return [str(s) for s in X]
    if isinstance(X, np.ndarray) and X.dtype.kind in "uif" and X.ndim >= 2:
        return X
    shape = getattr(X, "shape", None)
    raise ShapeError(
        f"MLPClassifier with augment= or features= takes raw samples: images (N, H, W[, C]), "
        f"a list of str, or waveforms (N, T) as a NumPy array; got {type(X).__name__}"
        f"{f' of shape {shape}' if shape is not None else ''}")


def _raw_labels(y: ArrayLike, n: int) -> np.ndarray:
    """Labels as an array of the same length as the ``n`` raw samples."""
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != n:
        raise ShapeError(f"MLPClassifier.fit: y must be 1-D with one label per sample "
                         f"({n}), got shape {labels.shape}")
    return labels


__all__ = ["MLPClassifier"]
