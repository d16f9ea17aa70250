"""DataLoader: shuffle, batch, augment (new draws every epoch), featurize, prefetch in threads.

Every batch is a pure function of ``(seed, epoch, batch index)``: the epoch's order comes from
``derive(seed, epoch, 0)`` and batch ``b``'s augmentation from ``derive(seed, epoch, b + 1)``. So
the batches are the same bit for bit whatever ``workers`` is, and each epoch re-draws augmentation.

Label-mixing steps (MixUp, CutMix, TimeCutMix) in ``augment``, or a ``mix`` step applied to the
featurized batch (MixUp of text feature vectors), make the loader yield soft targets ``(N, K)``
(float32, rows summing to 1) instead of labels ``(N,)``; clean evaluation still uses the labels.

>>> import augfit as af
>>> from augfit.transforms import image as I
>>> train, val, test = af.datasets.load("digits").split(seed=0)
>>> aug = af.Compose([I.Rotate(limit=15)], seed=0)
>>> loader = af.DataLoader(train, batch_size=64, augment=aug, seed=0, workers=2)
>>> for xb, yb in loader:          # epoch 0; the next `for` is epoch 1 with new draws
...     pass
>>> xv = loader.featurize(val.x)   # the fitted featurizer, never augmented
>>> xb.dtype, yb.dtype, xv.shape[1] == xb.shape[1] == 64
(dtype('float32'), dtype('int64'), True)
"""
from __future__ import annotations

import collections
from collections.abc import Iterator, Mapping, Sized
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeGuard, runtime_checkable

import numpy as np

from ..arraytypes import Features
from ..checks import check_int
from ..errors import AugfitError, ConfigError, ShapeError
from ..rng import as_generator, derive, seed_from
from .container import MODALITIES, Dataset, check_labels
from .features import Featurizer, default_featurizer, make_featurizer
from .offline import Augment, OfflineCopies, Samples

if TYPE_CHECKING:
    from ..jsontypes import JSONValue
    from ..transforms.base import Pipeline

#: a loader's batch: features (or, with ``features=None``, the raw augmented inputs: an array, a
#: list of str, a CPU tensor) and labels ``(N,)`` or soft targets ``(N, K)``
Batch: TypeAlias = "tuple[Features | object, np.ndarray]"
#: what ``augment=`` and ``mix=`` take: a transform (or any callable ``augment(xb, rng=...)``),
#: its dict, or None
AugmentSpec: TypeAlias = "Augment | Mapping[str, object] | None"
#: what ``features=`` takes: a featurizer, its name or dict, "auto" (by modality) or None (raw)
FeaturesSpec: TypeAlias = "str | Mapping[str, JSONValue] | Featurizer | None"


@runtime_checkable
class _Indexable(Protocol):
    """Samples taken by an index array: an array, or a CPU tensor."""

    def __getitem__(self, idx: np.ndarray, /) -> object: ...


def _take(x: object, idx: np.ndarray) -> object:
    if isinstance(x, np.ndarray):  # the common case first: a Protocol isinstance is slow
        return x[idx]
    if isinstance(x, list):
        return [x[i] for i in idx]
    if not isinstance(x, _Indexable):
        raise ShapeError(f"DataLoader: the dataset's x ({type(x).__name__}) cannot be indexed "
                         f"by sample; use an array, a list of str or a CPU tensor")
    return x[idx]


def _as_augment(augment: AugmentSpec, name: str = "augment") -> Augment | None:
    if augment is None or callable(augment):
        return augment
    if isinstance(augment, dict):
        from ..transforms.base import Transform

        return Transform.from_dict(augment)
    raise ConfigError(f"DataLoader({name}=...) must be a Transform/Compose, a transform dict or "
                      f"None, got {type(augment).__name__}")


def _mixes(step: object) -> TypeGuard[Pipeline]:
    """Whether ``step`` mixes labels (``changes_labels()``; such a step is used as a Transform:
    called with ``return_params=True``, then ``apply_targets``)."""
    return bool(step is not None and getattr(step, "changes_labels", lambda: False)())


def _fitted_features(features: FeaturesSpec,
                     dataset: Dataset | DatasetLike) -> Featurizer | None:
    """The loader's featurizer (``"auto"``: by the dataset's modality), fitted on the clean
    training ``x`` unless it already is; None for raw batches."""
    feat: Featurizer | None
    if isinstance(features, str) and features == "auto":
        feat = default_featurizer(getattr(dataset, "modality", "image"),
                                  getattr(dataset, "meta", {}).get("sample_rate"))
    else:
        feat = None if features is None else make_featurizer(features)
    if feat is not None and getattr(feat, "n_features_", None) is None:
        feat.fit(dataset.x, dataset.y)  # not fitted yet: fit on clean training x
    return feat


def one_hot(y: np.ndarray, k: int) -> np.ndarray:
    """Targets ``(N, k)`` float32 with a 1 at each label."""
    t = np.zeros((len(y), k), np.float32)
    t[np.arange(len(y)), y] = 1.0
    return t


class DatasetLike(Protocol):
    """What a :class:`DataLoader` takes: a :class:`~augfit.data.datasets.Dataset`, or any object
    with ``x`` (N samples: an array, a list of str, or a CPU tensor) and ``y`` (N int labels).

    Optional attributes are read with ``getattr``: ``modality`` (``"image"``, ``"text"`` or
    ``"audio"``; a list of str without one is text), ``classes``, ``meta`` and ``groups``. The
    values are checked by :func:`checked_dataset` when the loader is built.
    """

    @property
    def x(self) -> Samples: ...

    @property
    def y(self) -> Sized: ...


def checked_dataset(dataset: DatasetLike) -> Dataset | DatasetLike:
    """``dataset`` if it is a :class:`Dataset`; a duck-typed one (``.x``, ``.y``, optional
    ``.modality``, ``.classes``, ``.meta``) is checked by building a Dataset from it, so 40 images
    with 10 labels, float or 2-D labels, or text given as an image dataset are refused here."""
    if isinstance(dataset, Dataset):
        return dataset
    if not (hasattr(dataset, "x") and hasattr(dataset, "y")):
        raise ConfigError(f"DataLoader(dataset=...) needs an object with .x and .y "
                          f"(a Dataset), got {type(dataset).__name__}")
    x, y = dataset.x, dataset.y
    modality = getattr(dataset, "modality", None)
    if modality is None:  # the one guess: a list of str is text; arrays must say what they are
        if not isinstance(x, list):
            raise ConfigError(f"DataLoader(dataset=...): {type(dataset).__name__} has no "
                              f".modality; set it to 'image' or 'audio' (or pass a Dataset, e.g. "
                              f"augfit.datasets.from_arrays(x, y, modality=...))")
        modality = "text"
    if not isinstance(x, (np.ndarray, list)):  # e.g. a CPU tensor, batched raw (features=None)
        if modality not in MODALITIES:
            raise ShapeError(f"DataLoader(dataset=...) is not a valid dataset: modality must be "
                             f"one of {MODALITIES}, got {modality!r}")
        labels = check_labels(y, "DataLoader(dataset=...)")
        problem = (f"x has {len(x)} samples but y has {len(labels)}"
                   if len(x) != len(labels) else None)
        if problem:
            raise ShapeError(f"DataLoader(dataset=...) is not a valid dataset: {problem}")
        return dataset
    classes = getattr(dataset, "classes", None)
    try:
        labels = np.asarray(y)
        if classes is None:
            top = int(labels.max()) + 1 if labels.size and labels.dtype.kind in "iu" else 1
            classes = [str(c) for c in range(max(top, 1))]
        return Dataset(x, labels, modality, list(classes),
                       dict(getattr(dataset, "meta", None) or {}), getattr(dataset, "groups", None))
    except AugfitError as e:
        raise type(e)(f"DataLoader(dataset=...) is not a valid dataset: {e}") from None


class DataLoader:
    """Batches of ``(features, labels)`` from a Dataset, with augmentation re-drawn every epoch.

    Parameters
    ----------
    dataset : Dataset or DatasetLike
        Training data (anything with ``.x``, ``.y`` and ``.modality``: :class:`DatasetLike`).
    batch_size : int
    shuffle : bool
        A new order every epoch (from the seed and the epoch).
    drop_last : bool
        Drop the last, smaller batch.
    augment : Transform, Compose, dict or None
        Called as ``augment(xb, rng=generator)`` on each raw training batch. Only this loader's
        batches are augmented; :meth:`featurize` (val/test) never is. If it mixes labels (MixUp,
        CutMix...), batches carry soft targets ``(N, K)``.
    mix : label-mixing Transform, dict or None
        Applied to the *featurized* batch (after ``features``), e.g. ``MixUp(alpha=0.2)`` on text
        feature vectors (CSR or dense); batches then carry soft targets ``(N, K)``.
    features : featurizer, name, dict, "auto" or None
        Fitted on the un-augmented ``dataset.x`` here unless already fitted. ``"auto"`` (default)
        picks by modality: ``image_flatten`` (float32 in [0, 1]), ``text_hashing``,
        ``audio_logmel`` (at the dataset's ``meta["sample_rate"]``). ``None`` yields the raw
        augmented batches, unflattened (images ``(B, H, W[, C])`` in their own dtype, a list of
        str, waveforms), e.g. to feed a CNN; :meth:`featurize` then returns ``x`` as it is.
    seed : int or None
        None draws one seed from OS entropy now (then fixed for this loader's lifetime).
    workers : int
        0 makes every batch in the calling thread; ``k > 0`` starts ``k`` threads that augment and
        featurize batches ahead of the consumer (NumPy/OpenCV release the GIL, so this overlaps with
        training).
    prefetch : int
        Batches kept ready per worker (at most ``workers * prefetch`` batches in flight).
    offline : int or None
        ``K``: augment the whole dataset K times once (cached on disk, keyed by the pipeline's JSON
        and a hash of the data and seed); epoch ``e`` then batches copy ``e % K``. For expensive
        transforms.
    cache_dir : str or Path, optional
        Where offline copies go (default: the augfit cache, ``$AUGFIT_CACHE``).
    layout : {"NHWC", "NCHW"} or None
        Passed to ``augment`` as ``layout=`` (``"NCHW"``: the images are channels-first).
    """

    def __init__(self, dataset: DatasetLike, batch_size: int = 128, shuffle: bool = True,
                 drop_last: bool = False, augment: AugmentSpec = None,
                 features: FeaturesSpec = "auto",
                 seed: int | None = None, workers: int = 0, prefetch: int = 2,
                 offline: int | None = None, cache_dir: str | Path | None = None,
                 mix: AugmentSpec = None,
                 layout: str | None = None) -> None:
        self.dataset = dataset = checked_dataset(dataset)
        self.batch_size = check_int(batch_size, "batch_size", "DataLoader", 1)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.workers = check_int(workers, "workers", "DataLoader", 0)
        self.prefetch = check_int(prefetch, "prefetch", "DataLoader", 1)
        if seed is None:
            seed = seed_from(as_generator(None))
        self.seed = check_int(seed, "seed", "DataLoader", 0)
        self._set_augment(augment, mix, layout, batch_size)
        classes = getattr(dataset, "classes", None)
        self.n_classes = len(classes) if classes is not None else \
            int(np.max(np.asarray(dataset.y))) + 1
        if len(dataset.y) == 0:
            raise ConfigError("DataLoader(dataset=...) is empty; check the split sizes")
        if len(dataset.y) < self.batch_size and self.drop_last:
            raise ConfigError(f"DataLoader: drop_last=True with batch_size={batch_size} > "
                              f"{len(dataset.y)} samples leaves no batch")
        self.features = _fitted_features(features, dataset)
        self.y = np.asarray(dataset.y, dtype=np.int64)
        self.offline = self._offline_copies(offline, cache_dir)
        self.epoch = 0

    def _set_augment(self, augment: AugmentSpec, mix: AugmentSpec, layout: str | None,
                     batch_size: object) -> None:
        """The checked ``augment``, its ``layout``, ``mix`` and whether batches carry soft
        targets (``batch_size`` as the caller gave it, for the message)."""
        self.augment = _as_augment(augment)
        if layout is not None:
            if self.augment is None:
                raise ConfigError("DataLoader(layout=...) describes images for the augment "
                                  "pipeline; give augment=... or leave layout unset")
            from ..transforms.calling import check_layout

            check_layout(layout, False, "DataLoader")
        self.layout = layout
        mixer = _as_augment(mix, "mix")
        self.mix: Pipeline | None = None
        if mixer is not None:
            if not _mixes(mixer):
                raise ConfigError(f"DataLoader(mix=...) must be a label-mixing transform such as "
                                  f"MixUp(alpha=0.2), got {mixer!r}; put other transforms in "
                                  f"augment")
            self.mix = mixer
        self.soft_targets = _mixes(self.augment) or _mixes(self.mix)
        if self.soft_targets and self.batch_size < 2:
            raise ConfigError(f"DataLoader(batch_size={batch_size}) with a label-mixing augment "
                              f"(MixUp/CutMix): a sample needs a partner in its batch; use "
                              f"batch_size >= 2")

    def _offline_copies(self, offline: int | None, cache_dir: str | Path | None
                        ) -> OfflineCopies | None:
        """The K augmented copies of ``offline=K`` (None: augment online)."""
        if offline is None:
            return None
        k = check_int(offline, "offline", "DataLoader", 1)
        if self.augment is None:
            raise ConfigError("DataLoader(offline=...) needs an augment pipeline to precompute")
        if _mixes(self.augment):
            raise ConfigError("DataLoader(offline=...) caches augmented inputs, not mixed "
                              "labels: move MixUp/CutMix from augment to mix=... (applied "
                              "online to the features)")
        return OfflineCopies(self.dataset.x, self.y, self.augment, k, self.seed,
                             self.batch_size, cache_dir)

    # -- sizes ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        n = len(self.y)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    @property
    def n_features(self) -> int:
        """Width of the feature vectors (needs a featurizer)."""
        if self.features is None:
            raise ConfigError("DataLoader(features=None) yields raw batches, which have no feature "
                              "width; give features='auto' (or a featurizer) to get vectors")
        return self.features._check_fitted()

    # -- batches --------------------------------------------------------------------------------
    def order(self, epoch: int) -> np.ndarray:
        """The sample order of ``epoch`` (int64 indices)."""
        n = len(self.y)
        return derive(self.seed, epoch, 0).permutation(n) if self.shuffle else np.arange(n)

    def make_batch(self, epoch: int, b: int, idx: np.ndarray) -> Batch:
        """Batch ``b`` of ``epoch`` from sample indices ``idx``: augment, then featurize (then
        ``mix``). Labels ``(N,)``, or soft targets ``(N, K)`` when a step mixes labels.

        A final batch of one sample has no partner: label-mixing steps leave it unmixed.
        """
        yb: np.ndarray = self.y[idx]
        single = len(idx) < 2
        if self.offline is not None:
            xb = _take(self.offline.copy(epoch), idx)
        else:
            xb = _take(self.dataset.x, idx)
            layout = {} if self.layout is None else {"layout": self.layout}
            if self.augment is not None and _mixes(self.augment):
                t = one_hot(yb, self.n_classes)
                if not single:
                    xb, rec = self.augment(xb, rng=derive(self.seed, epoch, b + 1),
                                           return_params=True, **layout)
                    t = self.augment.apply_targets(t, rec).astype(np.float32)
                yb = t
            elif self.augment is not None:
                xb = self.augment(xb, rng=derive(self.seed, epoch, b + 1), **layout)
        feats = self.featurize(xb)
        if self.mix is not None:
            t = yb if yb.ndim == 2 else one_hot(yb, self.n_classes)
            if not single:
                # its own stream, so adding mix= leaves the augment draws as they were
                feats, rec = self.mix(feats, rng=derive(self.seed, epoch, b + 1, 1),
                                      return_params=True)
                t = self.mix.apply_targets(t, rec).astype(np.float32)
            yb = t
        return feats, yb

    def _slices(self, epoch: int) -> list[np.ndarray]:
        order = self.order(epoch)
        bs = self.batch_size
        return [order[s:s + bs] for s in range(0, len(self) * bs, bs)]

    def epoch_batches(self, epoch: int) -> Iterator[Batch]:
        """Iterate the batches of ``epoch`` (does not move :attr:`epoch`)."""
        check_int(epoch, "epoch", "DataLoader", 0)
        slices = self._slices(epoch)
        if self.workers == 0:
            for b, idx in enumerate(slices):
                yield self.make_batch(epoch, b, idx)
            return
        yield from self._prefetched(epoch, slices)

    def _prefetched(self, epoch: int, slices: list[np.ndarray]) -> Iterator[Batch]:
        window = self.workers * self.prefetch
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="augfit-loader")
        pending: collections.deque[Future[Batch]] = collections.deque()
        nxt = 0
        try:
            while nxt < len(slices) or pending:
                while nxt < len(slices) and len(pending) < window:
                    pending.append(pool.submit(self.make_batch, epoch, nxt, slices[nxt]))
                    nxt += 1
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True)

    def __iter__(self) -> Iterator[Batch]:
        """The next epoch's batches (each ``iter`` advances :attr:`epoch`)."""
        epoch = self.epoch
        self.epoch += 1
        return self.epoch_batches(epoch)

    def featurize(self, x: object) -> Features | object:
        """Features of un-augmented ``x`` (val/test data) with the fitted featurizer (``x`` itself
        with ``features=None``)."""
        return x if self.features is None else self.features.transform(x)

    def __repr__(self) -> str:
        return (f"DataLoader(n={len(self.y)}, batch_size={self.batch_size}, batches={len(self)}, "
                f"augment={type(self.augment).__name__ if self.augment else None}, "
                f"workers={self.workers}, epoch={self.epoch})")


__all__ = ["AugmentSpec", "DataLoader", "DatasetLike", "FeaturesSpec"]
