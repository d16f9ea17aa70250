"""What one finished grid cell measured: :class:`CellResult`.

The cell (:func:`augfit.experiments.run.cell.run_cells`) makes one per trained or derived cell;
the store (:mod:`augfit.experiments.run.store`) writes its identity in columns and its
:meth:`~CellResult.metrics` and history as JSON (the on-disk format is unchanged) and reads a row
back with :meth:`CellResult.from_stored`; the pairing, the statistics and the report read it by
attribute. It is also a read-only Mapping with the keys of the flat row dict it replaced
(``r["test_accuracy"]``, ``r.get("diverged")``, ``dict(r)``): what the exports turn into table
columns, and what users' code written against the row dicts reads.
"""
from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from ...jsontypes import JSONDict, JSONValue

_NAN = math.nan
#: the identity of a cell (columns of the store) and the per-example test results (a table of
#: their own, added by ``with_examples``): not among the metrics JSON
_IDENTITY = ("method", "split", "seed", "train_size", "key", "wall_time")
_EXAMPLES = ("test_correct", "test_loss_per_example")
#: not part of the row: how the numbers were computed (stored in a column of its own) and the
#: training diagnostics the executor reports once (not stored)
_RUN = ("numerics", "warnings")


@dataclass(frozen=True, eq=False)
class CellResult(Mapping[str, object]):
    """One finished cell: its identity, its selection-free endpoints and learning-curve summaries
    (:func:`augfit.experiments.run.cell.cell_metrics` documents each), its per-epoch ``history``
    and, once loaded, its per-example test results."""

    method: str
    split: int
    seed: int
    train_size: int
    key: str = ""
    wall_time: float = 0.0
    train_accuracy: float = _NAN
    val_accuracy: float = _NAN
    test_accuracy: float = _NAN
    train_loss: float = _NAN
    val_loss: float = _NAN
    test_loss: float = _NAN
    gap_accuracy: float = _NAN
    gap_loss: float = _NAN
    val_gap_accuracy_last: float = _NAN
    val_gap_accuracy_best: float = _NAN
    val_gap_accuracy_area: float = _NAN
    val_gap_loss_last: float = _NAN
    val_gap_loss_best: float = _NAN
    val_gap_loss_area: float = _NAN
    best_epoch: int = 0                  # 1-based
    epochs_run: int = 0
    stopped_early: bool = False
    diverged: bool = False
    history: Mapping[str, list[float]] = field(default_factory=dict)
    test_correct: np.ndarray | None = None              # bool (n_test,)
    test_loss_per_example: np.ndarray | None = None     # float32 (n_test,)
    # metrics a newer augfit stored that this one has no field for (kept, readable by key)
    extra: Mapping[str, JSONValue] = field(default_factory=dict)
    numerics: int = 1                    # the numerics version (augfit.numerics) it was computed in
    warnings: tuple[str, ...] = ()       # training diagnostics (learned nothing, diverged)

    @classmethod
    def from_stored(cls, method: str, split: int, seed: int, train_size: int, key: str,
                    wall_time: float, metrics: Mapping[str, Any],
                    history: Mapping[str, list[float]]) -> CellResult:
        """A stored row: the identity columns, the metrics JSON object and the history.
        (``metrics`` is not typed: its values go to the fields by name, whose types the
        dataclass declares.)"""
        known = set(_metric_names())
        return cls(method, int(split), int(seed), int(train_size), key, float(wall_time),
                   **{k: v for k, v in metrics.items() if k in known}, history=dict(history),
                   extra={k: v for k, v in metrics.items() if k not in known})

    def metrics(self) -> JSONDict:
        """The metrics as the store writes them (its ``metrics`` JSON object)."""
        return {**{k: getattr(self, k) for k in _metric_names()}, **self.extra}

    def with_examples(self, test_correct: np.ndarray, test_loss_per_example: np.ndarray
                      ) -> CellResult:
        """This result with its per-example test results."""
        return replace(self, test_correct=test_correct,
                       test_loss_per_example=test_loss_per_example)

    def _keys(self) -> list[str]:
        names = [f.name for f in fields(self) if f.name not in ("extra", *_RUN)]
        return [n for n in names if n not in _EXAMPLES or getattr(self, n) is not None] + list(
            self.extra)

    def __getitem__(self, name: str) -> object:
        if name in self.extra:
            return self.extra[name]
        if name == "extra" or name not in self._keys():
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __repr__(self) -> str:
        return (f"CellResult({self.method!r}, split={self.split}, seed={self.seed}, "
                f"train_size={self.train_size}, test_accuracy={self.test_accuracy:.4f})")


def _metric_names() -> list[str]:
    return [f.name for f in fields(CellResult)
            if f.name not in (*_IDENTITY, *_EXAMPLES, *_RUN, "history", "extra")]


__all__ = ["CellResult"]
