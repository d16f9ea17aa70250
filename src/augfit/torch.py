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

torch itself is imported only by the ``DataLoader`` and its default collate function; this module
works on NumPy and holds no torch object, so a dataset pickles to spawned workers as it is.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .checks import check_int
from .data.container import check_labels
from .data.loader import DataLoader
from .errors import ConfigError

BatchKey = tuple[int, int, np.ndarray]
"""What the batch sampler yields for one batch: ``(epoch, batch index, sample indices)``."""


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

    Use it with ``torch.utils.data.DataLoader(ds, batch_sampler=ds.batch_sampler, ...)``; the
    default collate function turns each batch into tensors. Indexing it with plain indices (a
    ``DataLoader`` given ``batch_size=`` or ``shuffle=`` instead of the batch sampler) raises
    :class:`~augfit.errors.ConfigError`, since such indices carry no epoch.
    """

    def __init__(self, data: Any, augment: Any = None, batch_size: int = 32, shuffle: bool = True,
                 drop_last: bool = False, seed: int | None = None,
                 layout: str | None = None) -> None:
        if isinstance(data, tuple) and len(data) == 2:
            data = _Pair(*data)
        self.loader = DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                                 augment=augment, features=None, seed=seed, layout=layout)
        self.batch_sampler = EpochBatchSampler(self.loader)

    @property
    def seed(self) -> int:
        return self.loader.seed

    def __len__(self) -> int:
        return len(self.loader.y)

    def __getitems__(self, keys: list[Any]) -> list[tuple[Any, Any]]:
        """The augmented samples of the batch ``keys[0] = (epoch, batch, indices)``."""
        if len(keys) != 1 or not (isinstance(keys[0], tuple) and len(keys[0]) == 3):
            raise ConfigError(
                "AugmentedDataset: got plain sample indices, which carry no epoch; pass "
                "DataLoader(ds, batch_sampler=ds.batch_sampler, num_workers=...) instead of "
                "batch_size=/shuffle= (batch size and shuffling are AugmentedDataset arguments)")
        epoch, b, idx = keys[0]
        xb, yb = self.loader.make_batch(int(epoch), int(b), np.asarray(idx))
        return [(xb[j], yb[j]) for j in range(len(yb))]

    def __getitem__(self, key: Any) -> Any:
        return self.__getitems__([key])

    def __repr__(self) -> str:
        return (f"AugmentedDataset(n={len(self)}, batch_size={self.loader.batch_size}, "
                f"seed={self.seed}, next_epoch={self.batch_sampler.epoch})")


class _Pair:
    """``(x, y)`` given as a tensor or list: enough of a Dataset for the loader."""

    def __init__(self, x: Any, y: Any) -> None:
        if len(x) != len(y):
            raise ConfigError(f"AugmentedDataset(data=(x, y)): x has {len(x)} samples but y has "
                              f"{len(y)}; give one label per sample")
        self.x = x
        self.y = check_labels(y, "AugmentedDataset(data=(x, y))")
        self.modality = "text" if isinstance(x, list) else "image"
        self.meta: dict[str, Any] = {}


__all__ = ["AugmentedDataset", "BatchKey", "EpochBatchSampler"]
