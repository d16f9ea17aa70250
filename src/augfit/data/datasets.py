"""Datasets: the :class:`Dataset` container, honest splits, and the built-in loaders.

>>> import augfit as af
>>> ds = af.datasets.load("digits")                  # (1797, 8, 8) float32 images in [0, 1]
>>> train, val, test = ds.split(val=0.2, test=0.2, seed=0)
>>> small = train.subsample(per_class=10, seed=0)    # exactly 10 images of each digit
>>> len(small), small.class_counts().tolist()
(100, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10])
>>> {"digits", "fsdd"} <= set(af.datasets.available())
True

Loaders register in :data:`augfit.registry.DATASETS`; third-party packages add theirs through the
``augfit.datasets`` entry-point group (a function returning a :class:`Dataset`).

The container lives in :mod:`.container` and the loaders in :mod:`.sources`, each registering
itself when its module is imported; this module imports both (so importing it registers every
built-in loader) and neither imports it back.
"""
from __future__ import annotations

from ..checks import check_keywords
from ..registry import DATASETS
from . import sources  # noqa: F401  (the loaders register themselves on import)
from .container import MODALITIES, Dataset, from_arrays
from .fingerprint import fingerprint
from .sources.folder import from_folder
from .sources.frame import as_dataset, from_frame
from .splits import official_split


def load(name: str, **options: object) -> Dataset:
    """Load the dataset registered as ``name`` (see :func:`available`) with loader ``options``.

    A mistyped name or keyword is a ConfigError that suggests the nearest one:

    >>> load("image_folder", pth="scans")
    Traceback (most recent call last):
    ...
    augfit.errors.ConfigError: augfit.datasets.load('image_folder', pth=...): unknown keyword;
    did you mean 'path'? it takes path, size, grayscale, max_pixels
    """
    loader = DATASETS.get(name)
    check_keywords(loader, options, f"augfit.datasets.load({name!r}, {{}}=...)")
    ds: Dataset = loader(**options)       # a loader returns its Dataset (the registry types it
    return ds                             # as a callable: it sits below data/)


def available() -> list[str]:
    """Names accepted by :func:`load`, plugins included."""
    return DATASETS.available()


__all__ = [
    "MODALITIES",
    "Dataset",
    "as_dataset",
    "available",
    "fingerprint",
    "from_arrays",
    "from_folder",
    "from_frame",
    "load",
    "official_split",
]
