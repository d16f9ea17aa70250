"""Where cells run: in this process, in local worker processes, or on a dask.distributed cluster.

Every executor yields ``(cell, result)`` as each cell finishes, in completion order, so the caller
(the runner, in the parent process) can store each result at once. Cells are pure functions of
(spec, cell), so the executor changes only the speed, never the numbers.

The dataset is shipped to the workers (``data=``, installed once per worker), and worker processes
start without re-importing the caller's ``__main__`` script, so ``run(..., workers=2)`` works from a
plain script with no ``if __name__ == "__main__":`` guard (see :mod:`._workers`).

Nothing outlives the run. Local workers watch the process that started them (a pidfd on Linux,
else polling its pid) and exit within a second of its death, even a ``kill -9``; their exit closes
the last pipes held open to the fork server and the resource tracker, which then exit too. Workers
ignore SIGINT: on Ctrl-C the parent stops them itself, after storing every finished cell.
"""
from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ...checks import check_int
from ...errors import AugfitError, AugfitWarning, ConfigError, TrainingError
from ..spec import Cell
from ..stats import CellResult
from ._workers import check_main_needed, context, main_hidden
from .cell import run_cells, run_group
from .data_source import install
from .tasks import Group, Task

Result = CellResult


@dataclass(frozen=True)
class CellFailure:
    """Yielded instead of a result when a cell's training failed (:class:`TrainingError`, e.g.
    divergence to NaN): the run goes on with the other cells and records this one."""

    error: str                       # the error's message
    kind: str = "TrainingError"


#: what a task yields: each of its cells with its result or failure
Done = list[tuple[Cell, Result | CellFailure]]


def _failure(e: BaseException) -> CellFailure | None:
    """A cell failure for a training error (raised here or in a worker); None for any other
    error, which stops the run."""
    if isinstance(e, TrainingError) or type(e).__name__ == "TrainingError":
        return CellFailure(str(e), type(e).__name__)
    return None


def run_task(canonical: dict[str, Any], task: Task | Group, flush: bool = False,
             epoch_callback: Any = None, data: Any = None) -> Done:
    """Train the task's cell and derive its riders (:func:`augfit.experiments.run.cell.run_cells`),
    or a group's cells as one stack (:func:`augfit.experiments.run.cell.run_group`):
    ``[(cell, result or CellFailure), ...]``, what a worker sends back."""
    done: Sequence[tuple[Cell, CellResult | BaseException]]
    if isinstance(task, Group):
        done = run_group(canonical, [(t.cell, t.derived) for t in task.tasks], epoch_callback,
                         data, flush)
    else:
        done = run_cells(canonical, task.cell, task.derived, epoch_callback, data, flush,
                         task.passes)
    return [(cell, CellFailure(str(r), type(r).__name__) if isinstance(r, BaseException) else r)
            for cell, r in done]


def in_process(canonical: dict[str, Any], tasks: Sequence[Task | Group],
               epoch_callback: Callable[[Cell], Any] | None = None, flush: bool = False
               ) -> Iterator[tuple[Cell, Result | CellFailure]]:
    """Run the tasks one after the other here (``epoch_callback(cell)`` may give a progress
    bar)."""
    for task in tasks:
        cb = epoch_callback(task.cell) if epoch_callback is not None else None
        try:
            done = run_task(canonical, task, flush, cb)
        except ValueError as e:  # named like a failure in a worker (see _result)
            raise type(e)(f"{cell_name(task.cell)} failed: {e}") from e
        yield from done


def _watch_parent(parent: int, poll: float = 0.5) -> None:
    """Exit this process as soon as ``parent`` is gone (run in a daemon thread of each worker).

    A worker's own parent is the fork server, not the run, so PR_SET_PDEATHSIG cannot see the
    run die; a pidfd of the run can (readable once it exits, zombie or reaped)."""
    try:
        fd = os.pidfd_open(parent)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])
        os._exit(1)
    while True:                                 # no pidfd: poll the pid (signal 0 only checks)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass
        time.sleep(poll)


def _worker_init(parent: int, fingerprint: Any = None, data: Any = None) -> None:
    """Runs first in each worker: leave Ctrl-C to the parent (which stops the workers after
    storing every finished cell), exit when the parent dies, and install the shipped data."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="augfit-parent-watch").start()
    if data is not None:
        install(fingerprint, data)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers now (their running cells are unfinished, so nothing is lost)."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            proc.kill()


def processes(canonical: dict[str, Any], tasks: Sequence[Task | Group], workers: int,
              data: Any = None, flush: bool = False
              ) -> Iterator[tuple[Cell, Result | CellFailure]]:
    """Run the tasks on ``workers`` local processes (at most ``2 * workers`` queued at a time, so
    an interrupt leaves little half-done work); ``data`` is installed once in each worker. If the
    run stops early (Ctrl-C, an error) the workers are killed at once; if the parent is killed
    they exit by themselves."""
    workers = min(workers, len(tasks))
    hide = not check_main_needed(canonical, "workers > 1")
    fingerprint = canonical["dataset"]["fingerprint"] if data is not None else None
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context(hide),
                               initializer=_worker_init,
                               initargs=(os.getpid(), fingerprint, data))
    todo = list(tasks)
    running: dict[Future, Task | Group] = {}
    try:
        while todo or running:
            while todo and len(running) < 2 * workers:
                task = todo.pop(0)
                try:
                    running[pool.submit(run_task, canonical, task, flush)] = task
                except BrokenProcessPool:
                    raise _died(pool, task.cell) from None
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                task = running.pop(fut)
                try:
                    results = _result(fut, task)
                except BrokenProcessPool:
                    raise _died(pool, task.cell) from None
                yield from results
    finally:
        for fut in running:
            fut.cancel()
        if running:                             # stopped early: no cell is left half-running
            _stop(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def _died(pool: ProcessPoolExecutor, cell: Cell) -> AugfitError:
    """The error for a pool broken by a worker's death, with the dead worker's exit code."""
    procs = getattr(pool, "_processes", None) or {}
    codes = [p.exitcode for p in procs.values() if p.exitcode not in (None, 0)]
    # the pool sends SIGTERM to the survivors: report the death that broke it
    codes = [c for c in codes if c != -signal.SIGTERM] or codes
    how = f" (exit code {codes[0]})" if codes else ""
    return AugfitError(
        f"a worker process died{how} (killed, or out of memory) while running "
        f"{cell_name(cell)}; every finished cell is saved: rerun the same command to resume")


def dask(canonical: dict[str, Any], tasks: Sequence[Task | Group], scheduler: str,
         workers: int, data: Any = None, flush: bool = False
         ) -> Iterator[tuple[Cell, Result | CellFailure]]:
    """Run the tasks on dask.distributed: ``scheduler`` is an address (``tcp://host:8786``) or
    ``"local"`` for a LocalCluster of ``workers`` single-threaded worker processes. ``data`` is
    scattered to every worker once."""
    check_main_needed(canonical, "dask", guard_helps=False)
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        from ...errors import MissingResourceError

        raise MissingResourceError("--scheduler needs dask.distributed: pip install "
                                   "'augfit[dask]'") from None
    cluster = None
    if scheduler == "local":
        with main_hidden():             # the nanny starts workers without the caller's script
            cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1,
                                   processes=True, dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError) as e:
            raise ConfigError(f"--scheduler {scheduler!r}: cannot connect ({e}); start one with "
                              "`dask scheduler` or pass --scheduler local") from None
    try:
        shipped = client.scatter(data, broadcast=True, hash=False) if data is not None else None
        futures = {client.submit(run_task, canonical, task, flush, None, shipped,
                                 key=f"augfit-cell-{task.cell.key}", pure=False): task
                   for task in tasks}
        try:
            for fut in as_completed(futures):
                yield from _result(fut, futures[fut])
        finally:
            client.cancel(list(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _result(fut: Any, task: Task | Group) -> Done:
    try:
        done: Done = fut.result()
        return done
    except Exception as e:
        failure = _failure(e)
        if failure is not None:
            return [(cell, failure) for cell in task.cells]
        if isinstance(e, ValueError):
            raise type(e)(f"{cell_name(task.cell)} failed: {e}") from e
        raise


def cell_name(cell: Cell) -> str:
    """How errors and warnings name a cell: ``cell method=... seed=... train_size=...``."""
    split = f" split={cell.split}" if cell.split else ""
    return f"cell method={cell.method}{split} seed={cell.seed} train_size={cell.train_size}"


def _warn_diagnostics(results: Iterator[tuple[Cell, Result | CellFailure]]
                      ) -> Iterator[tuple[Cell, Result | CellFailure]]:
    """Issue each cell's training diagnostics (divergence, learned nothing) naming the cell."""
    for cell, result in results:
        for message in () if isinstance(result, CellFailure) else result.warnings:
            warnings.warn(f"{cell_name(cell)}: {message}", AugfitWarning, stacklevel=2)
        yield cell, result


def execute(canonical: dict[str, Any], cells: Sequence[Cell | Task | Group], workers: int = 1,
            scheduler: str | None = None,
            epoch_callback: Callable[[Cell], Any] | None = None,
            data: Any = None, flush: bool = False
            ) -> Iterator[tuple[Cell, Result | CellFailure]]:
    """Pick the executor: dask when ``scheduler`` is given, processes when ``workers > 1``.

    ``cells``: Cells, Tasks (a cell and the cells derived from its run) or Groups (tasks trained
    as one stack), see :mod:`augfit.experiments.run.tasks`; every cell of them is yielded once.
    ``data``: the Dataset whose fingerprint ``canonical["dataset"]`` holds, shipped to workers.
    ``flush``: train with subnormals flushed to zero (:mod:`augfit.numerics`).
    A cell whose training fails with a :class:`TrainingError` yields a :class:`CellFailure` in
    place of its result, and the other cells go on; any other error stops the run.
    """
    check_int(workers, "workers")
    tasks = [t if isinstance(t, (Task, Group)) else Task(t) for t in cells]
    if data is not None:
        install(canonical["dataset"]["fingerprint"], data)
    if scheduler:
        return _warn_diagnostics(dask(canonical, tasks, scheduler, workers, data, flush))
    if workers > 1 and len(tasks) > 1:
        return _warn_diagnostics(processes(canonical, tasks, workers, data, flush))
    return _warn_diagnostics(in_process(canonical, tasks, epoch_callback, flush))


__all__ = ["CellFailure", "cell_name", "dask", "execute", "in_process", "processes", "run_task"]
