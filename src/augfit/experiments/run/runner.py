"""The grid runner: the grid method x split x seed x training size, stored cell by cell,
resumable.

:func:`train` checks the spec against its data, trains every cell not yet in ``OUT/results.sqlite``
and returns the stored rows (:class:`GridRun`); the report room's ``run``
(:func:`augfit.experiments.report.run`) calls it and writes the report.

Each finished cell is written to ``OUT/results.sqlite`` in the parent process as soon as it
completes (one transaction per cell). Rerunning skips every cell already stored, so an interrupted
run (Ctrl-C, a crash, a killed worker) resumes where it stopped and loses nothing finished.
"""
from __future__ import annotations

import time
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from ...cache import check_cache
from ...checks import check_int
from ...data.datasets import Dataset
from ...errors import AugfitError, ConfigError, DataChangedWarning, StoreError
from ...files import display, what_is
from ...numerics import NUMERICS, NUMERICS_FLUSHED, NUMERICS_PLAIN, flushing_available
from ...train.callbacks import Callback
from ..spec import Cell, Spec, SpecLike, check_modality, load_spec, parse_spec
from ..stats import CellResult
from . import tasks
from .cell import max_splits, splits
from .contracts import check_data, check_pipelines
from .cost import CostClock, cost_model, run_order
from .executors import CellFailure, execute
from .progress import Bar, LineProgress, make_progress, note, show_eta
from .store import FailedCell, Store

if TYPE_CHECKING:
    from .tracking import Tracker


@dataclass
class GridRun:
    """What :func:`train` did: the spec as run, the stored rows of its cells, the failed ones, and
    the MLflow tracker still open (its parent run is finished with the report)."""

    spec: Spec
    out: Path
    rows: list[CellResult]
    n_run: int = 0
    n_skipped: int = 0
    n_missing: int = 0               # cells of the spec not in the store (a partial run)
    failed: list[FailedCell] = field(default_factory=list)
    tracker: Tracker | None = None


def as_spec(spec: SpecLike, user_data: bool = False) -> Spec:
    """A Spec from a Spec, a spec file's path or a spec given as a mapping."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, Mapping):
        return parse_spec(spec, user_data=user_data)
    return load_spec(spec, user_data=user_data)


def check_out_dir(out: Path) -> Path:
    """``out`` if it is (or can be made) a writable folder, checked before any data is loaded or
    cell trained: a file name such as ``x.sqlite`` or an unwritable place fails at once (it failed
    after every cell, when the report was written)."""
    import tempfile

    if out.suffix.lower() in (".sqlite", ".db"):
        raise ConfigError(f"--out {display(out)}: the results folder (it will hold "
                          f"results.sqlite and the report), not a database file; pass a folder, "
                          f"e.g. --out {display(out.with_suffix(''))}")
    kind = what_is(out)
    if kind not in ("a folder", "missing"):
        raise ConfigError(f"--out {display(out)} is {kind}, not a folder; pass a folder for the "
                          "results (e.g. runs/NAME)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise StoreError(f"--out {display(out)}: the results folder cannot be written "
                         f"({e.strerror or type(e).__name__}); choose a writable folder with "
                         "--out") from None
    return out


def check_splits(spec: Spec) -> None:
    """Fail before training if ``splits`` asks for more different splits than the data allow."""
    most = max_splits(spec)
    if spec.first_split + spec.splits > most:
        first = f"first_split + splits = {spec.first_split} + " if spec.first_split else "splits: "
        raise ConfigError(f"{spec.source}: {first}{spec.splits} is more than the {most} "
                          f"different splits that these data and dataset.split allow; set "
                          f"splits: {most - spec.first_split} or less (or make val/test "
                          "larger)")
    check_pilot_overlap(spec, spec.first_split + spec.splits - 1)


def check_pilot_overlap(spec: Spec, last_split: int, fix: str = "") -> None:
    """Refuse a run whose splits ``spec.first_split .. last_split`` meet the splits a pilot
    looked at (``notes.pilot_splits``, written by ``augfit plan``; :func:`.plan.pilot_spec` checks
    a pilot before it runs by the same rule). ``fix`` replaces the message's advice."""
    if spec.meets_pilot(last_split):
        a, b = spec.pilot_range() or (0, 0)
        fix = fix or (f"lower the maximum to {a - spec.first_split} splits or fewer, or set "
                      f"first_split: {b + 1}")
        raise ConfigError(
            f"{spec.source}: this run's splits {spec.first_split}-{last_split} overlap the splits "
            f"{a}-{b} a pilot already looked at (notes.pilot_splits); a confirmatory run must "
            f"use fresh splits: {fix}")


def check_sizes(spec: Spec) -> Spec:
    """Resolve ``"all"`` against the training split and fail before training if a size exceeds
    what the split holds (the smallest over the spec's splits); returns the spec with every size a
    number."""
    trains = [splits(spec, k)[0] for k in spec.split_indices()]
    if spec.train_size_unit == "per_class":
        have = min(int(min(c for c in t.class_counts() if c > 0)) for t in trains)
        unit = "samples in the smallest class of the training split"
    else:
        have, unit = min(len(t) for t in trains), "samples in the training split"
    spec = spec.resolve_sizes(have)
    for i, n in enumerate(spec.resolved_sizes()):
        if n > have:
            raise ConfigError(f"{spec.source}: train_sizes[{i}]: {n} is more than the {have} "
                              f"{unit}; lower it or change dataset.split")
    return spec


def train(spec: SpecLike, out: str | Path | None = None, workers: int = 1,
          scheduler: str | None = None, progress: bool | None = None, data: object = None,
          mlflow: str | None = None, max_cells: int | None = None,
          speedups: str | None = None) -> GridRun:
    """Check ``spec`` against its data and train every cell not yet in ``out``; the stored rows.

    The arguments are :func:`augfit.experiments.run`'s (which documents them), less ``report``.
    An MLflow tracker is left open in :attr:`GridRun.tracker` for the caller to finish with the
    report.
    """
    from .data_source import prepare

    spec = as_spec(spec, user_data=data is not None)
    spec.check_grid(None if max_cells is None else check_int(max_cells, "max_cells", "run"))
    uri = mlflow if mlflow is not None else spec.tracking.get("mlflow")
    if uri:
        from .tracking import check_mlflow

        check_mlflow(uri)  # before any cell runs: a missing MLflow should not cost a whole run
    out_dir = check_out_dir(Path(out) if out is not None else Path("runs") / spec.name)
    check_cache()
    spec, dataset = prepare(spec, data)
    check_modality(spec, dataset.modality, spec.dataset["name"])
    check_data(spec, dataset)
    check_splits(spec)
    spec = check_sizes(spec)
    check_pipelines(spec, splits(spec, spec.first_split)[0])
    use = tasks.speedups(speedups)
    with Store(out_dir) as store:
        _warn_if_data_changed(store, spec, out_dir)
        cells = _cells_with_progress(spec, progress)
        flush = "flush" in use and flushing_available()
        check_numerics(store, cells, NUMERICS_FLUSHED if flush else NUMERICS_PLAIN)
        store.record_spec(spec)
        tracker = _tracker(uri, spec, out_dir, cells, store)
        n_run, n_todo = _train_cells(store, spec, cells, use, tracker,
                                     dict(workers=workers, scheduler=scheduler, data=dataset),
                                     progress)
        rows = store.rows(cells)
        failed = store.failures(cells)
    return GridRun(spec, out_dir, rows, n_run=n_run, n_skipped=len(cells) - n_todo,
                   n_missing=len(cells) - len(rows), failed=failed, tracker=tracker)


class _Where(TypedDict):
    """Where cells train (:func:`.executors.execute`'s arguments)."""

    workers: int
    scheduler: str | None
    data: Dataset


def _cells_with_progress(spec: Spec, progress: bool | None) -> list[Cell]:
    """``spec.cells()``, with progress lines on stderr while a large grid's keys are made."""
    if progress is False or spec.n_cells() < 50_000:
        return spec.cells()
    bar = LineProgress(spec.n_cells(), desc="augfit run: making cell keys", every_seconds=5.0)
    try:
        return spec.cells(lambda n: bar.update(n - bar.n))
    finally:
        bar.close()


def _train_cells(store: Store, spec: Spec, cells: list[Cell], use: frozenset[str],
                 tracker: Tracker | None, where: _Where, progress: bool | None
                 ) -> tuple[int, int]:
    """Train the cells of ``cells`` not in ``store`` yet (on the executor ``where`` names, with
    the speedups ``use``), largest modelled cost first, storing each as it finishes; (cells
    trained, cells to do).

    A run that finds cells stored says so first (``resuming: 44 of 144 cells stored``); the
    progress ETA comes from the cost model (:mod:`.cost`), calibrated on the stored cells' wall
    times and on each cell as it finishes."""
    flush = "flush" in use and flushing_available()
    done = store.finished_keys()
    todo, seen = [], set(done)
    for c in cells:                      # identical cells (same key) run once
        if c.key not in seen:
            todo.append(c)
            seen.add(c.key)
    timed = [(c, r.wall_time) for c in cells if c.key in done
             for r in store.rows([c])]
    model = cost_model(spec, timed, "derive" in use, todo)
    todo = run_order(model, todo, where.get("workers", 1))
    clock = CostClock(model, todo, timed)
    copies = Counter(c.key for c in cells)   # a cell also finishes its identical twins
    bar, show = make_progress(len(cells), len(cells) - len(todo), progress)
    stored = sum(1 for c in cells if c.key in done)
    if stored:
        note(bar, f"resuming: {stored} of {len(cells)} cells stored")
    t0, n_run = time.perf_counter(), 0
    try:
        status = (lambda c: _EpochStatus(bar, f"{c.method} split={c.split} seed={c.seed} "
                                         f"n={c.train_size}",
                                         spec.training["epochs"])) if show else None
        planned: list[Any] = tasks.plan_tasks(spec, todo, "derive" in use, "sparse" not in use)
        size = tasks.stack_size(use, model.params if model.n_features > 1 else 0,
                                int(spec.training["batch_size"]))
        if size:
            planned = tasks.group_tasks(planned, size)
        it = execute(spec.to_canonical(), planned, epoch_callback=status, flush=flush, **where)
        for cell, cell_result in it:
            if isinstance(cell_result, CellFailure):    # the other cells go on
                store.put_failure(cell, spec.hash, cell_result.error)
                clock.finished(cell, None)
            else:
                store.put(cell, spec.hash, cell_result)
                clock.finished(cell, cell_result.wall_time)
                n_run += 1
                if tracker is not None:
                    tracker.log_cell(store, cell.key)
            show_eta(bar, clock.eta(time.perf_counter() - t0))
            bar.update(copies[cell.key])
    except BaseException:
        if tracker is not None:
            tracker.abort()
        raise
    finally:
        bar.close()
    return n_run, len(todo)


def check_numerics(store: Store, cells: list[Cell], numerics: int) -> None:
    """Refuse to add cells of numerics version ``numerics`` to a store whose cells of this grid
    were computed with another (:mod:`augfit.numerics`): their results never mix."""
    stored = store.numerics(cells)
    other = sorted(set(stored.values()) - {numerics})
    if not other:
        return
    n = sum(1 for v in stored.values() if v == other[0])
    setting = ("AUGFIT_SPEEDUPS=derive,sparse,stack_small (flushing off; derive,sparse,stack "
               "to stack every row)" if other[0] == NUMERICS_PLAIN
               else "AUGFIT_SPEEDUPS=derive,flush,sparse,stack_small (flushing on; the default "
               "when it is unset; derive,flush,sparse,stack to stack every row)")
    raise ConfigError(
        f"{store.path}: {n} stored cells of this spec were computed with numerics version "
        f"{other[0]} ({NUMERICS[other[0]]}), but this run would use version {numerics} "
        f"({NUMERICS.get(numerics, '?')}); their results must not be mixed. Resume with the "
        f"stored numerics by setting {setting}, or start afresh with another --out folder")


def _tracker(uri: str | None, spec: Spec, out_dir: Path, cells: list[Cell],
             store: Store) -> Tracker | None:
    """The run's MLflow tracker (None without a URI), with the cells an earlier run stored
    logged already, before any new cell trains."""
    if not uri:
        return None
    from .tracking import Tracker

    tracker = Tracker(uri, spec, out_dir, cells)
    tracker.log_stored(store)
    return tracker


def _warn_if_data_changed(store: Store, spec: Spec, out: Path) -> None:
    """Warn when the last run of this spec's name into ``out`` used other data."""
    fp = spec.dataset["fingerprint"]
    for previous, n_cells in store.runs():
        if previous["name"] != spec.name:
            continue
        ds = previous["dataset"]
        old = ds.get("fingerprint") if isinstance(ds, dict) else None
        if isinstance(old, str) and old != fp:
            warnings.warn(
                f"{spec.source}: the data changed since the last run into {out} (fingerprint "
                f"{old[:12]} -> {fp[:12]}); none of its {n_cells} stored cells are reused: every "
                "cell trains again on the current data and the report shows only those results",
                DataChangedWarning, stacklevel=3)
        return


def failure_summary(failed: list[FailedCell], n_cells: int) -> str:
    """``3 of 24 cells failed and are not stored: ...; fix the cause and rerun the same command:
    failed cells are trained again, finished ones are kept.`` ("" when none failed)."""
    if not failed:
        return ""
    names = [f"{f['method']} split={f['split']} seed={f['seed']} n={f['train_size']}"
             for f in failed]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return (f"{len(failed)} of {n_cells} cells failed and are not stored ({shown}); first error: "
            f"{failed[0]['error']}. Fix the cause and rerun the same command: failed cells are "
            "trained again, finished ones are kept.")


def with_examples(out: str | Path, rows: list[CellResult]) -> list[CellResult]:
    """``rows`` with each cell's per-example test results added (``test_correct``,
    ``test_loss_per_example``) where the store has them, for the example-level bootstrap.
    ``out`` is the results folder or the ``.sqlite`` file itself (:class:`Store` takes both)."""
    out_rows = []
    with Store(out) as store:
        for r in rows:
            try:
                (ex,) = store.examples([r])
            except ConfigError:                  # stored without them
                out_rows.append(r)
                continue
            out_rows.append(r.with_examples(ex["test_correct"], ex["test_loss_per_example"]))
    return out_rows


def n_classes(spec: Spec) -> int | None:
    """The number of classes of the spec's dataset (for the chance-level warning), or None when
    the dataset cannot be loaded here (the report is still written)."""
    try:
        train, _, _ = splits(spec, 0)
    except (AugfitError, OSError):
        return None
    return len(train.classes)


class _EpochStatus(Callback):
    """Shows the running cell and its epoch on the cells bar (in-process runs)."""

    def __init__(self, bar: Bar, label: str, epochs: int) -> None:
        self.bar, self.label, self.epochs = bar, label, epochs

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        val = (logs or {}).get("val_accuracy", float("nan"))
        self.bar.set_postfix_str(f"{self.label} epoch {epoch + 1}/{self.epochs} "
                                 f"val_acc {val:.3f}")


__all__ = [
    "GridRun",
    "as_spec",
    "check_numerics",
    "check_out_dir",
    "check_pilot_overlap",
    "check_sizes",
    "check_splits",
    "failure_summary",
    "n_classes",
    "train",
    "with_examples",
]
