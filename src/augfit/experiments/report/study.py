"""A study from spec to report: :func:`run` trains the grid (the run room's
:func:`~augfit.experiments.run.train`) and writes the report; :func:`report` rebuilds it from a
store.

>>> import tempfile
>>> import augfit as af
>>> spec = {"dataset": {"name": "digits"}, "train_sizes": [40], "seeds": 2,
...         "training": {"epochs": 3}, "bootstrap": {"resamples": 200},
...         "methods": ["baseline", {"name": "flip", "augment": [{"type": "HorizontalFlip"}]}]}
>>> result = af.experiments.run(spec, out=tempfile.mkdtemp(), workers=1)  # or a YAML spec's path
>>> print(result.table)                   # the paired comparison table (Markdown)
| method | ...
>>> result.paths["html"].name             # the self-contained HTML report
'report.html'
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from ...errors import ConfigError
from ..run import (
    FailedCell,
    failure_summary,
    load_results_and_failures,
    n_classes,
    train,
    with_examples,
)
from ..spec import Spec, SpecLike
from ..stats import CellResult
from .document import Report, verdict_table
from .report_files import write_report

if TYPE_CHECKING:
    from pandas import DataFrame


@dataclass
class RunResult:
    """What :func:`run` did: the spec, the stored rows, the report and where it went."""

    spec: Spec
    out: Path
    rows: list[CellResult]
    report: Report | None
    paths: dict[str, Path] = field(default_factory=dict)
    n_run: int = 0
    n_skipped: int = 0
    seconds: float = 0.0
    mlflow_run_id: str | None = None
    n_missing: int = 0               # cells of the spec not in the store (a partial run)
    # cells whose training failed (TrainingError) and are not stored: their method, split,
    # seed, train_size, key and error; a rerun of the same command trains them again
    failed: list[FailedCell] = field(default_factory=list)
    # a run with --until-decided (experiments.report.decide): rounds, why it stopped, decisions
    sequential: list[str] = field(default_factory=list)

    def failure_summary(self) -> str:
        """One line naming the failed cells and how to retry ("" when none failed)."""
        return failure_summary(self.failed, len(self.spec.cells()))

    def examples(self, rows: list[CellResult] | None = None) -> list[dict[str, np.ndarray]]:
        """Per-example test results of ``rows`` (default: all rows), loaded from the store; see
        :meth:`augfit.experiments.run.store.Store.examples`."""
        from ..run import examples

        return examples(self.out, self.rows if rows is None else rows)

    @property
    def table(self) -> str:
        return verdict_table(self.report) if self.report is not None else ""

    def frame(self, kind: str = "cells") -> DataFrame:
        """The results as a tidy pandas DataFrame: one row per cell (``kind="cells"``) or per cell
        and epoch (``kind="epochs"``); see :mod:`augfit.experiments.report.export`."""
        from .export import frame

        return frame(self.rows, kind)


class RunOptions(TypedDict, total=False):
    """The options of :func:`run` that :func:`augfit.experiments.report.decide.run_until_decided`
    passes on (documented by :func:`run`)."""

    workers: int
    scheduler: str | None
    progress: bool | None
    data: object
    mlflow: str | None
    max_cells: int | None
    speedups: str | None


def run(spec: SpecLike, out: str | Path | None = None, workers: int = 1,
        scheduler: str | None = None, progress: bool | None = None,
        report: bool = True, data: object = None, mlflow: str | None = None,
        max_cells: int | None = None, speedups: str | None = None) -> RunResult:
    """Run (or resume) every cell of ``spec`` not yet in ``out`` and write the report.

    Parameters
    ----------
    spec : path, Spec or dict
        A YAML spec file (see :mod:`augfit.experiments.spec.spec`), a parsed Spec or a spec dict.
    out : path, optional
        Results folder (default ``runs/<spec name>``); holds ``results.sqlite`` and the report.
    workers : int
        1 runs in this process; ``k > 1`` runs ``k`` local processes (or ``k`` dask workers with
        ``scheduler="local"``).
    scheduler : str, optional
        A dask.distributed scheduler address, or ``"local"`` for a LocalCluster.
    progress : bool, optional
        False: none; True: a bar; default: a bar when stderr is a terminal, a widget in a
        notebook, else a plain line on stderr every 10 s or 10% (see
        :mod:`augfit.experiments.run.progress`).
    report : bool
        Write ``report.md``, ``report.html`` and ``cells.csv`` at the end.
    data : Dataset, (x, y), DataFrame or (DataFrame, columns), optional
        Your own data instead of the spec's ``dataset`` (whose section may then give only
        ``split``): an augfit Dataset, ``(x, y)`` arrays, a DataFrame with ``text`` and ``label``
        columns or ``(df, {"text": "review", "label": "sentiment"})``. It is shipped to every
        worker, so no main guard is needed.
    mlflow : str, optional
        An MLflow tracking URI (e.g. ``sqlite:///mlflow.db``): log every cell as an MLflow run
        and the report as artifacts of a parent run (:mod:`augfit.experiments.run.tracking`).
        Default: the spec's ``tracking: {mlflow: URI}``, if any.
    max_cells : int, optional
        The cap on the grid's size (default ``$AUGFIT_MAX_CELLS`` or 100,000): a larger grid is
        refused before anything is loaded, stating its size and the cap.
    speedups : str, optional
        The speedups of :mod:`augfit.experiments.run.tasks` (``derive,flush,sparse,stack,
        stack_small``, or ``all``/``none``); default ``$AUGFIT_SPEEDUPS``, else
        ``derive,flush,sparse,stack_small``. ``flush``
        changes the numerics slightly: a store holds cells of one numerics version only.

    Notes
    -----
    The data's content fingerprint (see :func:`augfit.data.datasets.fingerprint`) is part of every
    cell's key and of the stored spec: if the data changed since the last run into ``out``, no
    stored cell is reused (every cell trains again) and a :class:`DataChangedWarning` says so.
    """
    t0 = time.perf_counter()
    grid = train(spec, out, workers=workers, scheduler=scheduler, progress=progress, data=data,
                 mlflow=mlflow, max_cells=max_cells, speedups=speedups)
    result = RunResult(grid.spec, grid.out, grid.rows, None, n_run=grid.n_run,
                       n_skipped=grid.n_skipped, n_missing=grid.n_missing, failed=grid.failed)
    if report and grid.rows:
        result.report = Report.build(grid.spec, with_examples(grid.out, grid.rows),
                                     n_classes(grid.spec), failed=grid.failed)
        result.paths = write_report(grid.out, result.report)
    if grid.tracker is not None:
        result.mlflow_run_id = grid.tracker.finish(result.report, result.paths)
    result.seconds = time.perf_counter() - t0
    return result


def report(out: str | Path) -> RunResult:
    """Rebuild the report of the results in ``out`` (also of a partial, interrupted run)."""
    spec, rows, failed = load_results_and_failures(out)
    if not rows:
        raise ConfigError(f"{out}: no finished cell yet; nothing to report")
    rep = Report.build(spec, with_examples(out, rows), n_classes(spec), failed=failed)
    return RunResult(spec, Path(out), rows, rep, write_report(out, rep),
                     n_missing=len(spec.cells()) - len(rows), failed=failed)


__all__ = ["RunOptions", "RunResult", "report", "run"]
