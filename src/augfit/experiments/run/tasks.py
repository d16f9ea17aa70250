"""What the executors run: a :class:`Task` trains one cell and reads the cells derived from it off
its trajectory, a :class:`Group` trains the tasks of a grid row as one stack, under the speedups in
force (:data:`SPEEDUPS`, switched by ``AUGFIT_SPEEDUPS``).

Derived early stopping: a method that differs from another method of the grid only by its
``early_stopping`` retraces that method's run exactly up to the epoch where it stops (same split,
subsample, initial weights, shuffling and augmentation draws; early stopping only watches). So its
cell is not trained again: the other method's run replays the early stopping rule alongside and
takes the stopped run's history, best epoch and final weights from it
(:func:`augfit.experiments.run.cell.run_cells`). The derived cell is stored under its own key with
the same bytes as training it (tested), so resuming, the store and the report are unchanged. When
the other method's cell is already stored (a resumed run) or not in the grid, the cell trains by
itself.

Sparse evaluation (``sparse``): val and the clean training subset are evaluated every
``training.eval_every`` optimizer steps, as the spec says. Without it (the previous release's
code path) they are also evaluated after every pass over the data, as the previous release did
whatever the budget (:meth:`augfit.train.Trainer.fit`'s ``eval_passes``): early stopping, the
stored history and every endpoint are the same, the history gains the per-pass curves
(``pass_*``), and only the time spent evaluating grows.

Stacked training (``stack``, ``stack_small``): the tasks of one method and training size (the
units of a grid row, which differ in split and seed) train as one stack of models
(:func:`augfit.experiments.run.cell.run_group`, :mod:`augfit.train.stacked`), with the same bytes
as training each alone (tested). ``stack`` stacks every grid row, in groups of 8. ``stack_small``
(on by default) stacks only where the model is small (:func:`stack_size`): there a step is bound by
the number of NumPy calls, which a stack shares (the demo's 64-128-10 MLP at batch 32 ran its
demo in about 0.79x the CPU time, docs/speed.md). For larger models the GEMMs and the optimizer are
bound by arithmetic and memory, not by the number of calls, and stacking measured no faster (the
Fashion-MNIST spec's 784-256-10 at batch 64), so they train alone unless ``stack`` is asked for.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ...errors import ConfigError
from ..spec import Cell, Spec

#: the speedups of the runner; none changes a cell's key, and only ``flush`` changes its numbers
#: (recorded as its numerics version)
SPEEDUPS = {
    "derive": "early stopping cells read off the run of the method without it (same numbers)",
    "flush": "subnormal floats flushed to zero while training (slightly different numbers; "
             "numerics version 2)",
    "sparse": "val and clean train evaluated every training.eval_every steps only, not after "
              "every pass over the data too (same numbers; fewer history points)",
    "stack": "the units of a grid row (one method and training size) trained as one stack "
             "(same numbers; needs sparse)",
    "stack_small": "stack as well, but only where the model is small (parameters x batch size "
                   "at most 2^20), in stacks of up to 24 units (same numbers; needs sparse)",
}
#: the speedups in force when ``AUGFIT_SPEEDUPS`` is unset or empty
DEFAULT = ("derive", "flush", "sparse", "stack_small")
#: ``stack_small`` stacks a model whose parameters x batch size are at most this (the demo's
#: 64-128-10 MLP at batch 32: 9,610 x 32 = 307,520; the Fashion-MNIST spec's 784-256-10 at batch
#: 64: 13 million, which stacking does not speed up)
SMALL_MODEL = 1 << 20
#: the most units one stack holds: with ``stack``, and with ``stack_small`` (where a larger stack
#: shares more: the demo's rows of 24 units ran faster as one stack than as three)
GROUP_SIZE, SMALL_GROUP_SIZE = 8, 24
ENV = "AUGFIT_SPEEDUPS"


def speedups(value: str | Sequence[str] | None = None,
             environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The speedups in force: ``value`` (names, ``"all"`` or ``"none"``; a string may list names
    separated by commas), else the ``AUGFIT_SPEEDUPS`` environment variable; unset or empty: the
    :data:`DEFAULT` ones. ``all`` is every speedup, ``none`` the previous release's code path.

    >>> sorted(speedups("derive")), sorted(speedups("none")), sorted(speedups(""))
    (['derive'], [], ['derive', 'flush', 'sparse', 'stack_small'])
    >>> sorted(speedups("all"))
    ['derive', 'flush', 'sparse', 'stack', 'stack_small']
    """
    if value is None:
        value = (os.environ if environ is None else environ).get(ENV, "")
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value)
    names = [n for n in names if n]
    if not names:                                      # unset or empty: the default
        return frozenset(DEFAULT)
    if names == ["all"]:
        return frozenset(SPEEDUPS)
    if names == ["none"]:
        return frozenset()
    unknown = [n for n in names if n not in SPEEDUPS]
    if unknown:
        raise ConfigError(f"{ENV}={value!r}: unknown speedup {unknown[0]!r}; use a comma-separated "
                          f"list of {', '.join(SPEEDUPS)}, or all or none (the previous code "
                          f"path); unset: {', '.join(DEFAULT)}")
    stacks = [n for n in names if n in ("stack", "stack_small")]
    if stacks and "sparse" not in names:
        raise ConfigError(f"{ENV}={value!r}: {stacks[0]} needs sparse (stacked training "
                          f"evaluates every training.eval_every steps only); add sparse, or drop "
                          f"{stacks[0]}")
    return frozenset(names)


def stack_size(use: frozenset[str], n_params: int, batch_size: int) -> int:
    """How many units of a grid row train as one stack under the speedups ``use`` (0: none, each
    cell alone): :data:`GROUP_SIZE` with ``stack``; with ``stack_small``,
    :data:`SMALL_GROUP_SIZE` where the model is small (``n_params x batch_size`` at most
    :data:`SMALL_MODEL`; ``n_params`` 0 when the input width is not known: then none).

    >>> stack_size(frozenset({"sparse", "stack_small"}), 9610, 32)      # the demo's MLP
    24
    >>> stack_size(frozenset({"sparse", "stack_small"}), 203530, 64)    # Fashion-MNIST's
    0
    >>> stack_size(frozenset({"sparse", "stack", "stack_small"}), 203530, 64)
    8
    """
    if "stack" in use:
        return GROUP_SIZE
    small = 0 < n_params * batch_size <= SMALL_MODEL
    return SMALL_GROUP_SIZE if "stack_small" in use and small else 0


@dataclass(frozen=True)
class Task:
    """One unit of work for an executor: train ``cell``, derive ``derived`` from its run;
    ``passes``: evaluate after every pass over the data too (speedup ``sparse`` off)."""

    cell: Cell
    derived: tuple[Cell, ...] = ()
    passes: bool = False

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.cell, *self.derived)


@dataclass(frozen=True)
class Group:
    """Tasks of one method and training size (a grid row's units: other splits and seeds),
    trained as one stack (:func:`augfit.experiments.cell.run_group`) with the same numbers."""

    tasks: tuple[Task, ...]

    @property
    def cell(self) -> Cell:
        """The cell that names the group (its first)."""
        return self.tasks[0].cell

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(c for t in self.tasks for c in t.cells)


def group_tasks(tasks: Sequence[Task], size: int = GROUP_SIZE) -> list[Task | Group]:
    """``tasks`` (of one spec) with those of one method and training size gathered into groups of
    at most ``size``, each where its first task was; a task alone stays a Task."""
    rows: dict[tuple[str, int], list[list[Task]]] = {}
    order: list[list[Task]] = []
    for t in tasks:
        groups = rows.setdefault((t.cell.method, t.cell.train_size), [])
        if not groups or len(groups[-1]) >= size:
            groups.append([])
            order.append(groups[-1])
        groups[-1].append(t)
    return [g[0] if len(g) == 1 else Group(tuple(g)) for g in order]


def early_stopping_siblings(spec: Spec) -> dict[str, str]:
    """``{method with early stopping: the first method that differs from it only by having
    none}``, for the methods of ``spec`` that have such a sibling. None with
    ``training.averaging``: a stopped run's averaged weights are not the longer run's."""
    out: dict[str, str] = {}
    if "averaging" in spec.training:
        return out
    for m in spec.methods:
        if m.early_stopping is None:
            continue
        bare = {**m.config(), "early_stopping": None}
        sibling = next((o for o in spec.methods
                        if o.early_stopping is None and o.config() == bare), None)
        if sibling is not None:
            out[m.name] = sibling.name
    return out


def plan_tasks(spec: Spec, todo: Sequence[Cell], derive: bool = True,
               passes: bool = False) -> list[Task]:
    """The tasks that compute ``todo`` (cells of ``spec`` not stored yet, one per key), in the
    order of ``todo``: with ``derive``, each early stopping cell whose sibling cell is also to do
    rides on it; every other cell is a task of its own. ``passes``: each task evaluates after
    every pass over the data too (:class:`Task`)."""
    if not derive:
        return [Task(c, (), passes) for c in todo]
    riders = _riders(spec, todo)
    riding = {c.key for cs in riders.values() for c in cs}
    return [Task(c, tuple(riders.get(c.key, ())), passes) for c in todo if c.key not in riding]


def _riders(spec: Spec, todo: Sequence[Cell]) -> dict[str, list[Cell]]:
    """``{sibling cell key: the early stopping cells of todo derived from its run}``, for the
    siblings that are to do as well."""
    siblings = early_stopping_siblings(spec)
    unit_key = {(c.method, c.split, c.seed, c.train_size): c.key for c in spec.cells()}
    todo_keys = {c.key for c in todo}
    riders: dict[str, list[Cell]] = {}
    for c in todo:
        sibling = siblings.get(c.method)
        key = unit_key.get((sibling, c.split, c.seed, c.train_size)) if sibling else None
        if key is not None and key in todo_keys:
            riders.setdefault(key, []).append(c)
    return riders


def trained_alone(spec: Spec, todo: Sequence[Cell]) -> set[str]:
    """Keys of the early stopping cells of ``todo`` whose method is derived from a sibling's run
    but whose sibling cell is not to do (stored already, e.g. on resume): they train on their own
    and cost a run of their own (:class:`.cost.CostModel`)."""
    siblings = early_stopping_siblings(spec)
    riding = {c.key for cs in _riders(spec, todo).values() for c in cs}
    return {c.key for c in todo if c.method in siblings and c.key not in riding}


__all__ = [
    "DEFAULT",
    "ENV",
    "GROUP_SIZE",
    "SMALL_GROUP_SIZE",
    "SMALL_MODEL",
    "SPEEDUPS",
    "Group",
    "Task",
    "early_stopping_siblings",
    "group_tasks",
    "plan_tasks",
    "speedups",
    "stack_size",
    "trained_alone",
]
