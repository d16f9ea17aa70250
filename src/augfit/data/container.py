"""The :class:`Dataset` container: samples, labels and classes, with exact splits and subsamples.

The loaders (:mod:`.sources`) build Datasets and :mod:`.datasets` finds them by name; this module
imports neither, so every loader can import it.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..arraytypes import ArrayLike
from ..checks import check_int
from ..errors import ConfigError, ShapeError
from ..rng import SeedLike, as_generator
from .splits import group_take, random_take, resolve_size, stratified_take

MODALITIES = ("image", "text", "audio")


def check_labels(y: object, owner: str) -> np.ndarray:
    """The one label check of every entry point that takes labels as class indices (Dataset, a
    duck-typed dataset, ``augfit.torch``): a 1-D array of ints >= 0 (a CPU tensor too), as int64.
    Float labels are refused, never truncated (1.99 is not class 1), and so are negative ones."""
    labels = np.asarray(y.numpy() if hasattr(y, "numpy") and not isinstance(y, np.ndarray) else y)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise ShapeError(f"{owner}: labels must be a 1-D array of ints (class indices), got dtype "
                         f"{labels.dtype} shape {labels.shape}; use augfit.datasets.from_arrays() "
                         "to encode label names, or round float labels yourself")
    if labels.size and labels.min() < 0:
        raise ShapeError(f"{owner}: labels are class indices and must be >= 0, got "
                         f"{int(labels.min())} (at index {int(np.argmin(labels))}); give label "
                         "names to augfit.datasets.from_arrays(), or shift the labels to start "
                         "at 0")
    return labels.astype(np.int64, copy=False)


@dataclass(eq=False)
class Dataset:
    """Samples with integer labels, ready to split and subsample.

    Parameters
    ----------
    x : ndarray or list of str
        Images ``(N, H, W)`` / ``(N, H, W, C)`` (uint8, or float32 in [0, 1]), audio waveforms
        ``(N, T)`` float32, or texts.
    y : array-like of int, shape (N,)
        Class indices in ``[0, len(classes))``; stored as int64.
    modality : {"image", "text", "audio"}
    classes : list of str
        Class names; ``classes[y[i]]`` names sample ``i``.
    meta : dict, optional
        ``"source"``, ``"license"``, ``"sample_rate"`` (audio) and the like. A NumPy array in
        ``meta`` whose first axis has length N is per-sample data (e.g. ``"lengths"``) and is
        indexed along with ``x`` by :meth:`subset`.
    groups : ndarray, shape (N,), optional
        A group per sample (a speaker, a voice, a movie) for ``split(by_group=True)``.
    """

    x: np.ndarray | list[str]
    y: np.ndarray
    modality: str
    classes: list[str]
    meta: dict[str, object] = field(default_factory=dict)
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.modality not in MODALITIES:
            raise ConfigError(f"Dataset(modality=...) must be one of {MODALITIES}, "
                              f"got {self.modality!r}")
        self._check_x()
        self.y = check_labels(self.y, "Dataset(y=...)")
        if len(self.y) != len(self.x):
            raise ShapeError(f"Dataset: x has {len(self.x)} samples but y has {len(self.y)}")
        self.classes = [str(c) for c in self.classes]
        if self.y.size and (self.y.min() < 0 or self.y.max() >= len(self.classes)):
            raise ShapeError(f"Dataset(y=...) values must be in [0, {len(self.classes)}) "
                             f"(one per class name), got range [{self.y.min()}, {self.y.max()}]")
        if self.groups is not None:
            self.groups = np.asarray(self.groups)
            if self.groups.shape != self.y.shape:
                raise ShapeError(f"Dataset(groups=...) must have shape {self.y.shape}, "
                                 f"got {self.groups.shape}")
        self.meta = dict(self.meta)

    def _check_x(self) -> None:
        """x is a list of str (text; an array of them is converted) or a batch-first array."""
        if self.modality == "text":
            if isinstance(self.x, np.ndarray):
                self.x = [str(s) for s in self.x]
            if not isinstance(self.x, list) or not all(isinstance(s, str) for s in self.x):
                raise ShapeError("Dataset(x=...) for text must be a list of str; got "
                                 f"{type(self.x).__name__}")
        elif not isinstance(self.x, np.ndarray):
            raise ShapeError(f"Dataset(x=...) for {self.modality} must be a NumPy array, got "
                             f"{type(self.x).__name__}; use from_arrays() to convert")
        elif self.x.ndim < 2:
            raise ShapeError(f"Dataset(x=...) must have a batch axis first, got shape "
                             f"{self.x.shape}")

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        shape = self.x.shape if isinstance(self.x, np.ndarray) else (len(self.x),)
        src = self.meta.get("source", "arrays")
        return (f"Dataset({self.modality}, n={len(self)}, x{tuple(shape)}, "
                f"classes={len(self.classes)}, source={src!r})")

    @property
    def sample_rate(self) -> float | None:
        """``meta["sample_rate"]`` (audio) as a float; None when the dataset has none."""
        rate = self.meta.get("sample_rate")
        if rate is None:
            return None
        if not isinstance(rate, (int, float, str, np.integer, np.floating)):
            raise ConfigError(f"Dataset.meta['sample_rate'] must be a number (Hz), got "
                              f"{type(rate).__name__}")
        return float(rate)

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def class_counts(self) -> np.ndarray:
        """Samples per class, shape ``(n_classes,)``."""
        return np.bincount(self.y, minlength=self.n_classes)

    def subset(self, idx: Sequence[int] | np.ndarray) -> Dataset:
        """A new Dataset with the samples ``idx`` (ints or a boolean mask), in that order."""
        idx = np.asarray(idx)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise ShapeError(f"subset: a boolean mask must have shape ({len(self)},), "
                                 f"got {idx.shape}")
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False)
        if idx.size and (idx.min() < -len(self) or idx.max() >= len(self)):
            raise ConfigError(f"subset: indices must be in [0, {len(self)}), got range "
                              f"[{idx.min()}, {idx.max()}]")
        n = len(self)
        x = [self.x[i] for i in idx] if isinstance(self.x, list) else self.x[idx]
        meta = {k: (v[idx] if isinstance(v, np.ndarray) and v.ndim >= 1 and len(v) == n else v)
                for k, v in self.meta.items()}
        groups = None if self.groups is None else self.groups[idx]
        return Dataset(x, self.y[idx], self.modality, list(self.classes), meta, groups)

    def split(self, val: float | int = 0.2, test: float | int = 0.2, seed: int | None = 0,
              stratify: bool = True, by_group: bool = False
              ) -> tuple[Dataset, Dataset, Dataset]:
        """Disjoint ``(train, val, test)`` splits.

        Parameters
        ----------
        val, test : float or int
            A fraction in [0, 1) of the whole dataset, or a count. The sizes are exact (the fraction
            is rounded once) unless ``by_group``.
        seed : int, Generator or None
        stratify : bool
            Keep each class's share the same in every split (to within one sample per class).
        by_group : bool
            Put whole groups (speakers, voices) in each split, so that val and test hold groups
            never seen in training; sizes are then as close as whole groups allow. ``stratify`` is
            ignored.
        """
        train_idx, val_idx, test_idx = self.split_indices(val, test, seed, stratify, by_group)
        return self.subset(train_idx), self.subset(val_idx), self.subset(test_idx)

    def split_sizes(self, val: float | int, test: float | int) -> tuple[int, int]:
        """``(n_val, n_test)``: the split sizes as counts, checked to leave training samples."""
        n = len(self)
        n_test = resolve_size(test, n, "split(test=...)")
        n_val = resolve_size(val, n, "split(val=...)")
        if n_test + n_val >= n:
            raise ConfigError(f"split: val ({n_val}) + test ({n_test}) leave no training samples "
                              f"out of {n}; use smaller fractions")
        return n_val, n_test

    def split_indices(self, val: float | int = 0.2, test: float | int = 0.2,
                      seed: SeedLike = 0, stratify: bool = True, by_group: bool = False
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The sorted ``(train, val, test)`` indices of :meth:`split` (same arguments)."""
        n_val, n_test = self.split_sizes(val, test)
        rng = as_generator(seed, "seed")
        if by_group:
            if self.groups is None:
                raise ConfigError("split(by_group=True) needs a dataset with groups (e.g. fsdd "
                                  "speakers); this one has groups=None")
            test_idx, val_idx, train_idx = group_take(self.groups, [n_test, n_val], rng)
        elif stratify:
            test_idx, val_idx, train_idx = stratified_take(self.y, [n_test, n_val], rng,
                                                           self.n_classes)
        else:
            test_idx, val_idx, train_idx = random_take(len(self), [n_test, n_val], rng)
        return train_idx, val_idx, test_idx

    def subsample(self, n: int | None = None, per_class: int | None = None,
                  seed: int | None = 0) -> Dataset:
        """A smaller dataset: exactly ``n`` samples (class shares kept) or ``per_class`` per class.

        For a training-size sweep, call it on the training split with increasing ``n``.
        """
        if (n is None) == (per_class is None):
            raise ConfigError(f"subsample: pass exactly one of n or per_class, got n={n!r}, "
                              f"per_class={per_class!r}")
        rng = as_generator(seed, "seed")
        counts = self.class_counts()
        if per_class is not None:
            per_class = check_int(per_class, "per_class", "subsample")
            short = [self.classes[k] for k in range(self.n_classes) if 0 < counts[k] < per_class]
            if short:
                raise ConfigError(f"subsample(per_class={per_class}): classes {short} have fewer "
                                  f"samples (min {int(counts[counts > 0].min())}); lower per_class")
            perms = [rng.permutation(np.flatnonzero(self.y == k)) for k in range(self.n_classes)]
            idx = np.concatenate([p[:per_class] for p in perms])
            return self.subset(np.sort(idx))
        n = check_int(n, "n", "subsample", 1, len(self))
        idx = stratified_take(self.y, [n], rng, self.n_classes)[0]
        return self.subset(idx)


def _check_unicode(values: Sequence[object], what: str) -> None:
    """ShapeError naming the first value that is not valid Unicode (a lone surrogate, e.g. from
    bytes decoded with errors="surrogateescape"): it could be neither featurized nor written to a
    report."""
    for i, v in enumerate(values):
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ShapeError(f"from_arrays: {what} {i} holds a lone surrogate "
                                 f"({v[e.start]!a} at character {e.start}), which is not valid "
                                 "Unicode; decode the data as UTF-8 (or clean it) first") from None


def from_arrays(x: np.ndarray | Sequence[str], y: ArrayLike, modality: str | None = None,
                classes: Sequence[str] | None = None, meta: Mapping[str, object] | None = None,
                groups: ArrayLike | None = None) -> Dataset:
    """A Dataset from arrays: labels may be ints or names (encoded in sorted order).

    ``modality`` is inferred for a list of str ("text") and 3-D/4-D arrays ("image"); pass it for
    2-D arrays (audio waveforms).
    """
    if modality is None:
        modality = _infer_modality(x)
    data: np.ndarray | list[str]
    if modality == "text":
        data = list(x)
        _check_unicode(data, "text")
    else:   # Dataset refuses anything but an array, naming its type
        data = x if isinstance(x, np.ndarray) else list(x)
    y_arr, classes = _encoded_labels(np.asarray(y), classes)
    return Dataset(data, y_arr.astype(np.int64), modality, list(classes), dict(meta or {}),
                   None if groups is None else np.asarray(groups))


def _infer_modality(x: object) -> str:
    """The modality of ``x``: "text" for a list of str, "image" for a 3-D/4-D array."""
    if isinstance(x, (list, tuple)) and all(isinstance(s, str) for s in x):
        return "text"
    if isinstance(x, np.ndarray) and x.ndim in (3, 4):
        return "image"
    shape = getattr(x, "shape", None)
    raise ConfigError(f"from_arrays: cannot infer modality of x (type {type(x).__name__}, "
                      f"shape {shape}); pass modality='image', 'text' or 'audio'")


def _encoded_labels(y_arr: np.ndarray, classes: Sequence[str] | None
                    ) -> tuple[np.ndarray, Sequence[str]]:
    """Checked labels as class indices, and the class names (label names sorted, or
    ``classes``, or "0".."K-1")."""
    if y_arr.dtype.kind == "U" or y_arr.dtype == object:
        _check_unicode([str(v) for v in y_arr.ravel()], "label")
    if y_arr.dtype.kind in "fc" and np.isnan(y_arr).any():
        raise ShapeError(f"from_arrays: label {int(np.flatnonzero(np.isnan(y_arr))[0])} is NaN; "
                         "drop the unlabelled samples or give them a label")
    if y_arr.size and y_arr.dtype.kind in "iu":
        check_labels(y_arr, "from_arrays")
    if y_arr.size and not np.issubdtype(y_arr.dtype, np.integer):
        names, y_arr = np.unique(y_arr.astype(str), return_inverse=True)
        if classes is not None and list(classes) != list(names):
            raise ConfigError(f"from_arrays: labels are names {list(names)} but "
                              f"classes={list(classes)}; pass int labels with classes, or names "
                              "without classes")
        classes = [str(c) for c in names]
    elif classes is None:
        classes = [str(k) for k in range(int(y_arr.max()) + 1 if y_arr.size else 0)]
    return y_arr, classes


__all__ = ["MODALITIES", "Dataset", "check_labels", "from_arrays"]
