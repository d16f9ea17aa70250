"""Validation of the arrays given to the Trainer, done once per call with clear messages."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..arraytypes import Features, is_sparse
from ..errors import ConfigError, ShapeError


def check_features(x: object, name: str, n_features: int, dtype: np.dtype) -> Features:
    """``x`` as a C-contiguous ``(N, n_features)`` array (or CSR matrix) of ``dtype``.

    Raises ShapeError for non-2-D, wrong width, empty, non-numeric or non-finite input, and for
    finite values beyond ``dtype``'s range (checked after the cast, where they became inf).
    """
    features: Features
    if is_sparse(x):
        features = sp.csr_matrix(x)
        original = features.data
    else:
        try:
            features = original = np.asarray(x)
        except ValueError as e:  # ragged lists
            raise ShapeError(f"{name} must be a 2-D numeric array (N, {n_features}); could not "
                             f"convert it: {e}") from None
        if features.dtype.kind not in "biuf":
            raise ShapeError(f"{name} must hold numbers, got dtype {features.dtype}; featurize "
                             f"text or other raw inputs first (e.g. with "
                             f"augfit.DataLoader(features=...))")
    if features.ndim != 2:
        hint = "; flatten images with x.reshape(len(x), -1)" if features.ndim > 2 else ""
        raise ShapeError(f"{name} must be 2-D (N, {n_features}), got shape {features.shape}{hint}")
    if features.shape[0] == 0:
        raise ShapeError(f"{name} is empty (shape {features.shape}); pass at least one sample")
    if features.shape[1] != n_features:
        raise ShapeError(f"{name} must have {n_features} features per row (the model's "
                         f"in_features), got shape {features.shape}")
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
        features = features.astype(dtype, copy=False) if is_sparse(features) else \
            np.ascontiguousarray(features, dtype=dtype)
    _check_finite(features.data if is_sparse(features) else features, original, name,
                  np.dtype(dtype))
    return features


def _check_finite(values: np.ndarray, original: np.ndarray, name: str, dtype: np.dtype) -> None:
    """ShapeError if ``values`` (``original`` cast to ``dtype``) holds NaN or inf, telling values
    that were non-finite already from finite ones beyond ``dtype``'s range."""
    # The sum is finite for finite data unless it overflows: one cheap pass, exact check only then.
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.sum(values)
    if np.isfinite(total) or np.all(np.isfinite(values)):
        return
    bad = int(np.size(values) - np.count_nonzero(np.isfinite(values)))
    overflowed = bad - int(np.size(original) - np.count_nonzero(np.isfinite(original)))
    if overflowed:
        top = float(np.finfo(dtype).max)
        raise ShapeError(f"{name} has {overflowed} finite values beyond the range of the model's "
                         f"dtype {dtype.name} (which holds magnitudes up to {top:.3g}) "
                         f"and would become inf; scale the features first, e.g. standardize "
                         f"them: ({name} - {name}.mean(0)) / {name}.std(0)")
    raise ShapeError(f"{name} contains {bad} non-finite values (NaN or inf); clean or impute "
                     f"them first, e.g. np.nan_to_num({name})")


def check_labels(y: object, name: str, n: int, n_classes: int, loss: str,
                 dtype: np.dtype) -> np.ndarray:
    """Labels ``(n,)`` int64 in ``[0, n_classes)`` (or, for ``loss="mse"``, targets ``(n, K)``)."""
    if y is None:
        raise ShapeError(f"{name} is missing: pass labels y of shape ({n},) with the features")
    labels = np.asarray(y)
    if labels.ndim == 2:
        return check_soft_targets(labels, name, n, n_classes, loss, dtype)
    if labels.ndim != 1:
        raise ShapeError(f"{name} must be class labels of shape (N,), got shape {labels.shape}")
    if labels.shape[0] != n:
        raise ShapeError(f"{name} has {labels.shape[0]} labels but the features have {n} rows; "
                         f"pass one label per sample")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise ShapeError(f"{name} must be integer class labels, got non-integer floats")
    elif labels.dtype.kind not in "biu":
        raise ShapeError(f"{name} must be integer class labels 0..{n_classes - 1}, got dtype "
                         f"{labels.dtype}; encode them first (e.g. sklearn LabelEncoder)")
    if n and (labels.min() < 0 or labels.max() >= n_classes):
        raise ShapeError(f"{name} must be in [0, {n_classes}) (the model's out_features), got "
                         f"range [{labels.min()}, {labels.max()}]")
    return labels.astype(np.int64, copy=False)


def check_soft_targets(y: np.ndarray, name: str, n: int, n_classes: int, loss: str,
                       dtype: np.dtype) -> np.ndarray:
    """Soft targets ``(n, n_classes)``: finite numbers for ``mse``; for cross-entropy, rows that are
    distributions (non-negative, summing to 1), e.g. the mixed labels of MixUp/CutMix."""
    from ..nn.losses import SOFT_TARGET_LOSSES

    if loss not in SOFT_TARGET_LOSSES:
        raise ConfigError(f"{name}: soft targets of shape {y.shape} (from a label-mixing augment "
                          f"such as MixUp/CutMix) need a loss that accepts them "
                          f"({sorted(SOFT_TARGET_LOSSES)}), got loss {loss!r}")
    what = "regression targets" if loss == "mse" else "soft targets"
    if y.shape != (n, n_classes) or y.dtype.kind not in "biuf" or not np.all(np.isfinite(y)):
        raise ShapeError(f"{name} as {what} must be finite numbers of shape "
                         f"({n}, {n_classes}), got shape {y.shape} dtype {y.dtype}")
    if loss != "mse":
        sums = y.sum(axis=1)
        if y.size and (y.min() < 0 or np.abs(sums - 1).max() > 1e-4):
            raise ShapeError(f"{name} as soft targets must be non-negative rows summing to 1 "
                             f"(class distributions), got values in [{y.min():.4g}, {y.max():.4g}] "
                             f"and row sums in [{sums.min():.4g}, {sums.max():.4g}]")
    return np.ascontiguousarray(y, dtype=dtype)


__all__ = ["check_features", "check_labels", "check_soft_targets"]
