"""The run room: the grid trained cell by cell, stored, resumable.

Above spec and stats, below report (spec < stats < run < report). Its modules: :mod:`.runner`
(the grid, checks before any cell trains, :func:`train`), :mod:`.cell` (one cell as a pure
function of spec and cell), :mod:`.tasks` (what executors run, the speedups), :mod:`.executors`
(in-process, local processes, dask) with :mod:`._workers`, :mod:`.data_source` (the run's
dataset), :mod:`.contracts` (the data and pipelines checked before training), :mod:`.cost` (the
cost model), :mod:`.store` (SQLite), :mod:`.progress`, :mod:`.tracking` (MLflow) and
:mod:`.budget_check` (under-trained at the cap). The report room and the CLI import the names
below, never a module of this room.
"""
from __future__ import annotations

from .budget_check import still_rising, under_trained
from .cell import splits
from .cost import CostModel, cost_model, makespan
from .progress import clock_text
from .runner import (
    GridRun,
    as_spec,
    check_pilot_overlap,
    failure_summary,
    n_classes,
    train,
    with_examples,
)
from .store import FailedCell, Store, examples, load_results, load_results_and_failures
from .tasks import speedups
from .tracking import Tracker

__all__ = [
    "CostModel",
    "FailedCell",
    "GridRun",
    "Store",
    "Tracker",
    "as_spec",
    "check_pilot_overlap",
    "clock_text",
    "cost_model",
    "examples",
    "failure_summary",
    "load_results",
    "load_results_and_failures",
    "makespan",
    "n_classes",
    "speedups",
    "splits",
    "still_rising",
    "train",
    "under_trained",
    "with_examples",
]
