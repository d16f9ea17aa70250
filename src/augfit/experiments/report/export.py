"""Tidy tables of a run's results: one row per cell, or one row per cell and epoch (pandas).

>>> import tempfile
>>> import augfit as af
>>> spec = {"dataset": {"name": "digits"}, "train_sizes": [40], "seeds": 2,
...         "training": {"epochs": 3}, "bootstrap": {"resamples": 200},
...         "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]}
>>> out = tempfile.mkdtemp()               # e.g. runs/digits
>>> result = af.experiments.run(spec, out=out, workers=1)
>>> cells = result.frame()                 # method, split, seed, train_size, test_accuracy, ...
>>> epochs = result.frame("epochs")        # method, split, seed, train_size, epoch, train_loss...
>>> len(cells), len(epochs), list(cells.columns[:4])
(4, 12, ['method', 'split', 'seed', 'train_size'])
>>> paths = export(out, "csv")             # OUT/export/cells.csv and epochs.csv (or "parquet")

Columns: the cell's identity first (``method``, ``split`` when the rows have one, ``seed``,
``train_size``), then every scalar the store holds for it (final metrics, ``wall_time``); the
epoch table has ``epoch`` (1-based) and one column per per-epoch series (``train_loss``,
``val_accuracy``, ``gap_accuracy``, ...). pandas (and pyarrow for parquet) are optional extras:
``pip install 'augfit[export]'``.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from ...errors import ConfigError, MissingResourceError

if TYPE_CHECKING:
    from pandas import DataFrame

ID_COLUMNS = ("method", "split", "seed", "train_size")
"""What identifies a cell, in column order (``split`` only when the rows carry it)."""
FORMATS = ("csv", "parquet")


def _pandas() -> ModuleType:
    try:
        return importlib.import_module("pandas")
    except ImportError:
        raise MissingResourceError("tables of results need pandas; install it with "
                                   "pip install 'augfit[export]'") from None


def _ids(rows: Sequence[Mapping[str, object]]) -> list[str]:
    return [c for c in ID_COLUMNS if any(c in r for r in rows)]


def _scalar(v: object) -> bool:
    """A value that fits one table cell (not a history, list or per-example array)."""
    import numpy as np

    return v is None or isinstance(v, (str, bool, int, float, np.generic))


def cells_frame(rows: Sequence[Mapping[str, object]]) -> DataFrame:
    """One row per cell: the identity columns, then every scalar of the row (not ``history``)."""
    pd = _pandas()
    ids = _ids(rows)
    records = [{k: v for k, v in r.items() if k != "history" and _scalar(v)} for r in rows]
    rest = sorted({k for r in records for k in r} - set(ids))
    return pd.DataFrame.from_records(records, columns=ids + rest)


def epochs_frame(rows: Sequence[Mapping[str, object]]) -> DataFrame:
    """One row per cell and epoch: identity, ``epoch`` (1-based), one column per series."""
    pd = _pandas()
    ids = _ids(rows)
    histories = [_history(r) for r in rows]
    series = sorted({k for h in histories for k in h})
    records = []
    for r, h in zip(rows, histories, strict=True):
        n = max((len(v) for v in h.values()), default=0)
        for e in range(n):
            rec = {k: r.get(k) for k in ids}
            rec["epoch"] = e + 1
            for k in series:
                v = h.get(k, [])
                rec[k] = v[e] if e < len(v) else None
            records.append(rec)
    return pd.DataFrame.from_records(records, columns=[*ids, "epoch", *series])


def _history(row: Mapping[str, object]) -> Mapping[str, Sequence[object]]:
    """A row's per-epoch series ({} without a history)."""
    h = row.get("history") or {}
    if not isinstance(h, Mapping):
        raise TypeError(f"a row's history must be a mapping of per-epoch lists, got {h!r}")
    return h


def frame(rows: Sequence[Mapping[str, object]], kind: str = "cells") -> DataFrame:
    """:func:`cells_frame` (``kind="cells"``) or :func:`epochs_frame` (``kind="epochs"``)."""
    if kind == "cells":
        return cells_frame(rows)
    if kind == "epochs":
        return epochs_frame(rows)
    raise ConfigError(f"frame(kind=...) must be 'cells' or 'epochs', got {kind!r}")


def write_tables(rows: Sequence[Mapping[str, object]], out_dir: str | Path,
                 fmt: str = "csv") -> dict[str, Path]:
    """Write ``cells.FMT`` and ``epochs.FMT`` into ``out_dir`` (created); returns their paths."""
    if fmt not in FORMATS:
        raise ConfigError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise MissingResourceError("parquet export needs pyarrow; install it with pip "
                                       "install 'augfit[export]', or use --format csv") from None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in ("cells", "epochs"):
        df = frame(rows, kind)
        path = out / f"{kind}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, index=False)
        else:
            df.to_parquet(path, index=False)
        paths[kind] = path
    return paths


def export(run_dir: str | Path, fmt: str = "csv", out: str | Path | None = None) -> dict[str, Path]:
    """Export the results stored in ``run_dir`` (default into ``run_dir/export``)."""
    from ..run import load_results

    _, rows = load_results(run_dir)
    if not rows:
        raise ConfigError(f"{run_dir}: no finished cell yet; nothing to export")
    return write_tables(rows, Path(run_dir) / "export" if out is None else out, fmt)


__all__ = [
    "FORMATS",
    "ID_COLUMNS",
    "cells_frame",
    "epochs_frame",
    "export",
    "frame",
    "write_tables",
]
