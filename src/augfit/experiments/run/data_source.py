"""Where a cell's dataset comes from: loaded once by the runner, fingerprinted, and handed to every
executor, so workers never reload files or re-import the user's script to get it.

The runner :func:`install` s the loaded :class:`~augfit.data.datasets.Dataset` under its content
fingerprint in each process that runs cells (this one, each worker process, each dask worker).
:func:`dataset_for` finds it there; without it (``run_cell`` called by hand) a named loader loads
the data again and the fingerprint is checked, so a cell never trains on other data than its key
says.
"""
from __future__ import annotations

from collections import OrderedDict

from ...checks import options_at
from ...data.datasets import Dataset, fingerprint, load
from ...errors import ConfigError
from ...jsontypes import JSONDict
from ..spec import IN_MEMORY, DatasetSection, Spec

_INSTALLED: OrderedDict[str, Dataset] = OrderedDict()
_KEEP = 2                                # datasets kept per process (a run and the one before)


def install(fp: str, ds: Dataset) -> None:
    """Make ``ds`` the dataset of fingerprint ``fp`` in this process."""
    _INSTALLED[fp] = ds
    _INSTALLED.move_to_end(fp)
    while len(_INSTALLED) > _KEEP:
        _INSTALLED.popitem(last=False)


def canonical_fingerprint(canonical: JSONDict) -> str:
    """The data's fingerprint in a canonical spec (the wire format) whose data was fingerprinted
    (:func:`prepare`)."""
    dataset = canonical.get("dataset")
    fp = dataset.get("fingerprint") if isinstance(dataset, dict) else None
    if not isinstance(fp, str):
        raise ValueError("the canonical spec's dataset has no fingerprint; the runner adds it "
                         "(augfit.experiments.run)")
    return fp


def load_dataset(d: DatasetSection, source: str) -> Dataset:
    """The dataset of a canonical dataset section (installed, or loaded by its loader)."""
    fp = d.get("fingerprint")
    if fp is not None and fp in _INSTALLED:
        return _INSTALLED[fp]
    if d["name"] == IN_MEMORY:
        raise ConfigError(f"{source}: dataset: the data was passed in memory (data=...) and is not "
                          "loaded in this process; call augfit.experiments.run(spec, data=...) "
                          "with the same data")
    with options_at("dataset.options"):     # a loader's errors name the spec's fields
        ds = load(d["name"], **d["options"])
    if fp is not None and fingerprint(ds, d["options"]) != fp:
        raise ConfigError(f"{source}: dataset {d['name']!r} ({d['options'].get('path', '')}) "
                          f"changed since its fingerprint {fp[:12]}... was taken; rerun the "
                          "experiment so that every cell uses the current data")
    return ds


def prepare(spec: Spec, data: object = None) -> tuple[Spec, Dataset]:
    """Load (or take) the data, fingerprint it, install it here; the spec gets the fingerprint."""
    if data is not None:
        from ...data.datasets import as_dataset
        from ...data.sources.frame import is_frame

        columns = spec.dataset.get("columns")
        ds = as_dataset((data, columns) if columns is not None and is_frame(data) else data)
    else:
        unprinted = spec.dataset.copy()
        unprinted.pop("fingerprint", None)
        ds = load_dataset(unprinted, spec.source)
    fp = fingerprint(ds, spec.dataset["options"])
    install(fp, ds)
    return spec.with_fingerprint(fp), ds


__all__ = ["canonical_fingerprint", "install", "load_dataset", "prepare"]
