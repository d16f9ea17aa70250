"""PyTorch interop: augfit augmentation inside a ``torch.utils.data.DataLoader`` with workers.

:class:`AugmentedDataset` is a map-style dataset and :attr:`AugmentedDataset.batch_sampler` the
batch sampler that goes with it. The sampler runs in the main process: each ``iter(loader)`` starts
the next epoch and hands every batch the key ``(epoch, batch index, sample indices)``. A worker
then augments the batch with the Generator ``augfit.rng.derive(seed, epoch, batch + 1)``, the very
scheme of :class:`augfit.DataLoader` (one definition: this dataset delegates to one). So:

- every batch and every epoch draws new augmentation, whatever ``num_workers`` is;
- the bytes depend on ``seed`` alone: not on the number of workers, on which worker made a batch,
  on ``persistent_workers`` or on torch's own seeds (no ``worker_init_fn`` is needed);
- the batches equal those of ``augfit.DataLoader(data, ..., features=None)`` with the same seed.

A plain ``DataLoader(ds, batch_size=64, shuffle=True, num_workers=2)`` works too, with the
convention of torch's ``DistributedSampler``: call ``ds.set_epoch(epoch)`` before each epoch. Each
sample is then augmented on its own, with the Generator ``derive(seed, epoch, 0, index)``, so its
draws are fresh every epoch and reproducible whatever the batching, the shuffling and the number of
workers (one transform call per sample: the batch sampler's one call per batch is faster, and
only it can pair samples for MixUp/CutMix). As with ``DistributedSampler``, ``set_epoch`` reaches
workers that start with the epoch (the default); ``persistent_workers=True`` keeps the epoch their
copy had.

``output="chw"`` gives what torchvision's ``ToTensor`` gives: float32 images in [0, 1] with a
channel axis first, ``(C, H, W)`` per sample (``C = 1`` for greyscale).

Example (torch installed)::

    import torch
    import augfit as af
    from augfit.torch import AugmentedDataset
    from augfit.transforms import image as I

    train = af.datasets.load("digits")
    aug = af.Compose([I.Rotate(limit=15), I.RandomResizedCrop(scale=(0.8, 1.0))])
    ds = AugmentedDataset(train, augment=aug, batch_size=64, seed=0)
    loader = torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, num_workers=2)
    for epoch in range(3):
        for xb, yb in loader:        # xb: tensor (64, 8, 8) float32, yb: int64
            ...

    # or torchvision's habits: a plain DataLoader, set_epoch, float (C, H, W) tensors
    ds = AugmentedDataset(train, augment=aug, seed=0, output="chw")
    loader = torch.utils.data.DataLoader(ds, batch_size=64, shuffle=True, num_workers=2)
    for epoch in range(3):
        ds.set_epoch(epoch)
        for xb, yb in loader:        # xb: tensor (64, 1, 8, 8) float32 in [0, 1]
            ...

torch itself is imported only by the ``DataLoader`` and its default collate function; this module
works on NumPy and holds no torch object, so a dataset pickles to spawned workers as it is.
"""
from __future__ import annotations

from collections.abc import Iterator, Sized
from typing import Protocol, runtime_checkable

import numpy as np

from .checks import check_choice, check_int
from .data.container import check_labels
from .data.loader import AugmentSpec, DataLoader, DatasetLike
from .data.offline import Samples
from .errors import ConfigError
from .rng import derive

OUTPUTS = ("chw",)
"""``output=`` values: ``"chw"``, float32 ``(C, H, W)`` in [0, 1] as torchvision's ToTensor."""

BatchKey = tuple[int, int, np.ndarray]
"""What the batch sampler yields for one batch: ``(epoch, batch index, sample indices)``."""


@runtime_checkable
class _Rows(Protocol):
    """A batch whose samples are taken one by one: an array, a list of str, a CPU tensor."""

    def __getitem__(self, j: int, /) -> object: ...


class EpochBatchSampler:
    """Yields one :data:`BatchKey` per batch; each ``iter`` is the next epoch.

    Made by :class:`AugmentedDataset`; pass it as ``DataLoader(batch_sampler=...)``.
    :attr:`epoch` is the epoch the next ``iter`` starts; :meth:`set_epoch` moves it (to resume).
    """

    def __init__(self, loader: DataLoader) -> None:
        self._loader = loader
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter`` start ``epoch`` (e.g. when resuming training)."""
        self.epoch = check_int(epoch, "epoch", "set_epoch", 0)

    def __iter__(self) -> Iterator[list[BatchKey]]:
        # A generator: the epoch is taken when the first batch is asked for, in the main process.
        # (torch's multi-process iterator calls iter() twice per epoch and uses the second.)
        epoch = self.epoch
        self.epoch += 1
        for b, idx in enumerate(self._loader._slices(epoch)):
            # torch hands each yielded list to the dataset's __getitems__; one key is one batch
            yield [(epoch, b, idx)]

    def __len__(self) -> int:
        return len(self._loader)


class AugmentedDataset:
    """A map-style dataset whose batches are augmented afresh every epoch, from one seed.

    Parameters
    ----------
    data : Dataset or (x, y)
        An augfit :class:`~augfit.data.datasets.Dataset` (or anything with ``.x``, ``.y``) or a
        pair of arrays; ``x`` may be a NumPy array, a CPU tensor or a list of str.
    augment : Transform, Compose, dict or None
        Called on each batch as ``augment(xb, rng=..., layout=layout)``.
    batch_size, shuffle, drop_last :
        As in :class:`augfit.DataLoader`; the batches are made by :attr:`batch_sampler`.
    seed : int or None
        The one seed of the order and of every draw (None: one drawn from OS entropy now).
    layout : {"NHWC", "NCHW"} or None
        ``"NCHW"`` when ``x`` is channels-first (the transforms then see channels-last and give
        back channels-first).
    output : {"chw"} or None
        ``"chw"``: each image as float32 ``(C, H, W)`` in [0, 1] (uint8 divided by 255; a
        greyscale image gets ``C = 1``), as torchvision's ``ToTensor`` gives. None: as augmented.

    Notes
    -----
    Use it with ``torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, ...)`` (one
    transform call per batch), or with a plain ``DataLoader(ds, batch_size=..., shuffle=...)``
    and :meth:`set_epoch` before each epoch (one call per sample; no label mixing). The default
    collate function turns the samples into tensors.
    """

    def __init__(self, data: DatasetLike | tuple[Samples, Sized], augment: AugmentSpec = None,
                 batch_size: int = 32, shuffle: bool = True,
                 drop_last: bool = False, seed: int | None = None,
                 layout: str | None = None, output: str | None = None) -> None:
        if isinstance(data, tuple) and len(data) == 2:
            data = _Pair(*data)
        self.loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                                 augment=augment, features=None, seed=seed, layout=layout)
        if output is not None:
            check_choice(output, "output", OUTPUTS, "AugmentedDataset")
            modality = getattr(self.loader.dataset, "modality", "image")
            if modality != "image":
                raise ConfigError(f"AugmentedDataset(output={output!r}) is for images; this "
                                  f"dataset holds {modality}: leave output unset")
        self.output = output
        self.batch_sampler = EpochBatchSampler(self.loader)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """The epoch of the next pass (torch's ``DistributedSampler`` convention): samples asked
        for by plain index draw from ``derive(seed, epoch, 0, index)``. Also moves
        :attr:`batch_sampler` to ``epoch``."""
        self.epoch = check_int(epoch, "epoch", "AugmentedDataset.set_epoch", 0)
        self.batch_sampler.set_epoch(self.epoch)

    @property
    def seed(self) -> int:
        return self.loader.seed

    def __len__(self) -> int:
        return len(self.loader.y)

    def __getitems__(self, keys: list[BatchKey | int]) -> list[tuple[object, object]]:
        """The augmented samples of the batch ``keys[0] = (epoch, batch, indices)`` (from
        :attr:`batch_sampler`), or of plain sample indices (epoch :attr:`epoch`)."""
        if len(keys) == 1 and isinstance(keys[0], tuple) and len(keys[0]) == 3:
            epoch, b, idx = keys[0]
            xb, yb = self.loader.make_batch(int(epoch), int(b), np.asarray(idx))
            xb = self._out(xb)
            return [(xb[j], yb[j]) for j in range(len(yb))]
        return [self._sample(k) for k in keys]

    def __getitem__(self, key: BatchKey | int) -> tuple[object, object]:
        return self.__getitems__([key])[0]

    def __iter__(self) -> Iterator[tuple[object, object]]:
        """Every sample in order at the current epoch (:meth:`set_epoch`), one at a time."""
        return (self._sample(i) for i in range(len(self)))

    def _sample(self, index: object) -> tuple[object, object]:
        """Sample ``index`` augmented on its own with ``derive(seed, epoch, 0, index)``."""
        n = len(self)
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) \
                or not -n <= index < n:
            raise ConfigError(f"AugmentedDataset[{index!r}]: expected a sample index in "
                              f"[0, {n}) or a batch key from ds.batch_sampler")
        i = int(index) % n
        loader = self.loader
        if loader.augment is not None and loader.soft_targets:
            raise ConfigError(
                "AugmentedDataset: the augment pipeline mixes labels (MixUp/CutMix), which pairs "
                "samples within a batch; use DataLoader(ds, batch_sampler=ds.batch_sampler) "
                "instead of batch_size=/shuffle=")
        xb = _take_one(loader.dataset.x, i)
        if loader.augment is not None:
            layout = {} if loader.layout is None else {"layout": loader.layout}
            xb = loader.augment(xb, rng=derive(loader.seed, self.epoch, 0, i), **layout)
        return self._out(xb)[0], loader.y[i]

    def _out(self, xb: object) -> _Rows:
        """A batch in the requested ``output`` form."""
        if self.output is None:
            if not isinstance(xb, _Rows):
                raise ConfigError(f"AugmentedDataset: the augment pipeline returned a "
                                  f"{type(xb).__name__}, not a batch of samples")
            return xb
        x = np.asarray(xb)
        x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
        if self.loader.layout == "NCHW":
            return x
        return x[:, None] if x.ndim == 3 else np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    def __repr__(self) -> str:
        return (f"AugmentedDataset(n={len(self)}, batch_size={self.loader.batch_size}, "
                f"seed={self.seed}, next_epoch={self.batch_sampler.epoch})")


def _take_one(x: Samples, i: int) -> object:
    """Sample ``i`` of ``x`` as a batch of one (a list of str, an array or a CPU tensor)."""
    if isinstance(x, list):
        return [x[i]]
    return x[i:i + 1]


class _Pair:
    """``(x, y)`` given as a tensor or list: enough of a Dataset for the loader."""

    def __init__(self, x: Samples, y: Sized) -> None:
        if len(x) != len(y):
            raise ConfigError(f"AugmentedDataset(data=(x, y)): x has {len(x)} samples but y has "
                              f"{len(y)}; give one label per sample")
        self.x = x
        self.y = check_labels(y, "AugmentedDataset(data=(x, y))")
        self.modality = "text" if isinstance(x, list) else "image"
        self.meta: dict[str, object] = {}


__all__ = ["AugmentedDataset", "BatchKey", "EpochBatchSampler"]
