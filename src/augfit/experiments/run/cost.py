"""What a cell costs: a model of its wall time, calibrated by the cells already timed.

A cell's work has two parts, each in samples x parameters (the model's width):

* **training**: the samples the optimizer sees, ``epochs x n`` (or ``steps x batch_size`` with a
  step budget, ``training.steps``), each a forward and a backward pass plus the method's
  augmentation;
* **evaluation**: once per epoch, the clean training subsample and the val set,
  ``epochs x (n + n_val)`` (with a step budget, ``epochs = steps x batch_size / n``; with
  ``training.eval_every``, ``steps / eval_every`` evaluations).

The wall time of a cell of method m is modelled as ``a_m x training + b_m x evaluation``. The rates
are fitted per method by non-negative least squares on that method's timed cells (the store keeps
each cell's ``wall_time``), and fall back to a prior until a method has been timed at two sizes:
a training sample costs three evaluation samples (forward + backward), each augmentation transform
adds six more, and early stopping runs about 60% of the budget. The prior's scale comes from every
timed cell (or is 1 when none is), so costs are comparable across methods from the first timed cell
on.

The model serves three things: the runner starts the largest cells first (which shortens the
makespan on several workers; right after the first ones, one cell of the smallest size per method
calibrates the model on both ends, :func:`run_order`), the progress line's ETA (the remaining
cells' modelled cost over the cost done per second of this run), and ``augfit plan``'s estimate
of a design's wall time.

>>> from augfit.experiments.spec import parse_spec
>>> spec = parse_spec({"dataset": {"name": "digits"}, "train_sizes": [50, 400], "seeds": 2,
...                    "model": {"hidden": [16]}, "training": {"epochs": 10},
...                    "methods": ["baseline", {"name": "flip",
...                                             "augment": [{"type": "HorizontalFlip"}]}]})
>>> model = CostModel(spec, n_val=360, n_features=64)
>>> [(c.method, c.train_size) for c in model.order(spec.cells())[:3]]
[('flip', 400), ('flip', 400), ('baseline', 400)]
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ...jsontypes import JSONValue
from ..spec import Cell, Spec

if TYPE_CHECKING:
    from ...data.datasets import Dataset

TRAIN_PER_EVAL = 3.0          # a training sample: forward + backward, about 3 forward passes
AUGMENT_PER_TRANSFORM = 6.0   # prior cost of one augmentation transform per training sample
EARLY_STOP_FRACTION = 0.6     # prior share of the epoch budget an early-stopped cell runs


def parameter_count(spec: Spec, n_features: int, n_classes: int) -> int:
    """Weights and biases of the spec's MLP for ``n_features`` inputs and ``n_classes`` outputs."""
    widths = [max(int(n_features), 1), *map(int, spec.model["hidden"]), max(int(n_classes), 2)]
    return sum((a + 1) * b for a, b in itertools.pairwise(widths))


def samples(spec: Spec, n: int) -> tuple[float, float]:
    """``(training samples, evaluations)`` of a cell of size ``n`` under the spec's budget: an
    evaluation per epoch, or per ``training.eval_every`` optimizer steps when the spec sets it."""
    t = spec.training
    batch = float(t["batch_size"])
    steps = t.get("steps")
    if steps:                                       # a step budget (training.steps)
        seen, total = float(steps) * batch, float(steps)
    else:
        total = float(t["epochs"]) * math.ceil(max(n, 1) / batch)
        seen = float(t["epochs"]) * n
    every = t.get("eval_every")
    return seen, (total / float(every) if every else seen / max(n, 1))


def _n_transforms(augment: JSONValue) -> int:
    """How many transforms a method's augment pipeline holds (nested compositions counted)."""
    if isinstance(augment, Mapping):
        inner = augment.get("transforms")
        return _n_transforms(inner) if isinstance(inner, list) else 1
    if isinstance(augment, list):
        return sum(_n_transforms(a) for a in augment)
    return 0


class CostModel:
    """Wall-time model of the cells of ``spec`` (see the module docstring).

    Parameters
    ----------
    spec : Spec
    n_val : int
        Size of the val set (evaluated every epoch).
    n_features, n_classes : int
        The model's input width and classes (for the parameter count); the width scales every
        cell of one spec alike, so it matters only when specs or models are compared.
    free : method names
        Methods whose cells are derived from another method's run (early stopping read off its
        sibling's trajectory, :mod:`.tasks`): they cost nothing and their stored wall time (what
        deriving took: :func:`.cell.run_cells`; the sibling keeps the run's) is not fitted.
    alone : cell keys
        Cells of a ``free`` method that train on their own, their sibling cell not being to do
        (stored already, e.g. on resume: :func:`.tasks.trained_alone`): they cost their method's
        run like any cell.
    """

    def __init__(self, spec: Spec, n_val: int, n_features: int = 1, n_classes: int = 10,
                 free: Iterable[str] = (), alone: Iterable[str] = ()) -> None:
        self.spec, self.n_val = spec, int(n_val)
        self.free = set(free)         # methods read off another's run (derived): no cost
        self.alone = set(alone)       # ... except these cells, whose sibling is not to do
        self.n_features = int(n_features)     # the input width (1: not known)
        self.params = parameter_count(spec, n_features, n_classes)
        self.scale = 1.0 / self.params                # seconds per eval sample x parameter
        self.n_classes = int(n_classes)
        self.rates: dict[str, tuple[float, float]] = {}   # method -> fitted (a, b)

    def work(self, n: int) -> tuple[float, float]:
        """``(training work, evaluation work)`` of a cell of train size ``n``, in samples x
        parameters (the same for every method: a method differs in its rate)."""
        seen, epochs = samples(self.spec, self._n(n))
        return seen * self.params, epochs * (self._n(n) + self.n_val) * self.params

    def _n(self, n: int) -> int:
        if self.spec.train_size_unit == "per_class":
            return int(n) * max(self.n_classes, 1)
        return int(n)

    def prior(self, method: str) -> tuple[float, float]:
        """The prior rates ``(a, b)`` of a method not yet timed at two sizes."""
        m = self.spec.method(method)
        a = TRAIN_PER_EVAL + AUGMENT_PER_TRANSFORM * (_n_transforms(m.augment)
                                                      + _n_transforms(m.mix))
        stop = EARLY_STOP_FRACTION if m.early_stopping else 1.0
        return a * stop * self.scale, stop * self.scale

    def seconds(self, cell: Cell) -> float:
        """The modelled wall time of ``cell`` in seconds (relative until calibrated)."""
        if cell.method in self.free and cell.key not in self.alone:
            return 0.0
        a, b = self.rates.get(cell.method) or self.prior(cell.method)
        tw, ew = self.work(cell.train_size)
        return a * tw + b * ew

    def fit(self, timed: Iterable[tuple[Cell, float]]) -> CostModel:
        """Calibrate on ``(cell, wall_time)`` pairs; returns self.

        The prior's scale is the ratio of total wall time to total prior cost; a method timed at
        two or more sizes gets its own rates (non-negative least squares)."""
        per: dict[str, list[tuple[int, float]]] = {}
        for cell, wall in timed:
            if np.isfinite(wall) and wall > 0 and cell.method not in self.free:
                per.setdefault(cell.method, []).append((cell.train_size, float(wall)))
        if not per:
            return self
        self.rates = {}
        prior = sum(self._prior_seconds(m, n) for m, v in per.items() for n, _ in v)
        total = sum(w for v in per.values() for _, w in v)
        self.scale *= total / prior if prior > 0 else 1.0
        for method, values in per.items():
            if len({n for n, _ in values}) >= 2:
                self.rates[method] = self._nnls(values)
        return self

    def _prior_seconds(self, method: str, n: int) -> float:
        a, b = self.prior(method)
        tw, ew = self.work(n)
        return a * tw + b * ew

    def _nnls(self, values: Sequence[tuple[int, float]]) -> tuple[float, float]:
        """Non-negative least squares for (a, b); with one coefficient at 0, the other alone."""
        x = np.array([self.work(n) for n, _ in values])
        y = np.array([w for _, w in values])
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        if (coef >= 0).all():
            return float(coef[0]), float(coef[1])
        single = [(float(y @ x[:, j] / (x[:, j] @ x[:, j])), j) for j in (0, 1)]
        err = [np.sum((y - c * x[:, j]) ** 2) for c, j in single]
        c, j = single[int(np.argmin(err))]
        return (c, 0.0) if j == 0 else (0.0, c)

    def order(self, cells: Sequence[Cell]) -> list[Cell]:
        """``cells`` largest modelled cost first (ties keep the grid's order)."""
        cost = [self.seconds(c) for c in cells]
        return [cells[i] for i in sorted(range(len(cells)), key=lambda i: -cost[i])]

    def total(self, cells: Iterable[Cell]) -> float:
        """The modelled wall time of ``cells`` run one after the other."""
        return float(sum(self.seconds(c) for c in cells))


def run_order(model: CostModel, cells: Sequence[Cell], workers: int = 1) -> list[Cell]:
    """The order the runner starts ``cells`` in: largest modelled cost first, except that right
    after the first ``workers`` cells come probes, one cell of the smallest size per method (not
    derived), so the model is calibrated on small and large cells from the start. The probes are
    the cheapest cells: they barely change the makespan."""
    order = model.order(cells)
    if not order:
        return order
    smallest = min(c.train_size for c in order)
    probes: dict[str, Cell] = {}
    for c in reversed(order):
        if c.train_size == smallest and c.method not in model.free:
            probes.setdefault(c.method, c)
    keys = {c.key for c in probes.values()}
    rest = [c for c in order if c.key not in keys]
    head = max(int(workers), 1)
    return rest[:head] + list(probes.values())[::-1] + rest[head:]


def makespan(costs: Sequence[float], workers: int) -> float:
    """Wall time of running jobs of ``costs`` in the given order on ``workers`` workers, each job
    going to the first worker free (list scheduling; what the process executor does).

    >>> makespan([3, 1, 1, 1], 2)     # 3 on one worker, 1 + 1 + 1 on the other
    3.0
    >>> makespan([1, 1, 1, 3], 2)     # the large job last: 1 + 3 on one worker
    4.0
    """
    free = np.zeros(max(int(workers), 1))
    for c in costs:
        i = int(np.argmin(free))
        free[i] += float(c)
    return float(free.max())


def dataset_widths(spec: Spec, train: Dataset, val: Dataset) -> tuple[int, int, int]:
    """``(n_val, n_features, n_classes)`` of a spec's split, for :class:`CostModel`: the input
    width is the flattened sample for images without a featurizer, a featurizer's declared width
    (``n_features``/``dim``/``n_mels`` x frames unknown: 1) otherwise."""
    if spec.features is None and getattr(train, "x", None) is not None and \
            hasattr(train.x, "shape"):
        width = int(np.prod(train.x.shape[1:]))
    elif isinstance(spec.features, Mapping):
        widths = (spec.features.get(k) for k in ("n_features", "dim"))
        width = next((w for w in widths if isinstance(w, int)), 1)
    else:
        width = 1
    return len(val), width, len(train.classes)


def cost_model(spec: Spec, timed: Iterable[tuple[Cell, float]] = (),
               derive: bool = True, todo: Sequence[Cell] | None = None) -> CostModel:
    """The cost model of ``spec`` (its first split sets the val size and the width), calibrated
    on ``timed`` ``(cell, wall_time)`` pairs; with ``derive`` (the runner's speedup), the early
    stopping methods read off a sibling's run cost nothing, except the cells of ``todo`` (the
    cells to run, when known) whose sibling cell is not in it: those train alone."""
    from .cell import splits
    from .tasks import early_stopping_siblings, trained_alone

    train, val, _ = splits(spec, spec.first_split)
    n_val, width, n_classes = dataset_widths(spec, train, val)
    free = early_stopping_siblings(spec) if derive else {}
    alone = trained_alone(spec, todo) if derive and todo is not None else set()
    return CostModel(spec, n_val, width, n_classes, free, alone).fit(timed)


__all__ = ["CostModel", "cost_model", "dataset_widths", "makespan", "parameter_count",
           "run_order", "samples"]


class CostClock:
    """The ETA of a run from the cost model: the modelled cost of the cells left, over the
    modelled cost done per second of this run (so several workers count), recalibrated on the
    wall time of each cell as it finishes.

    Parameters
    ----------
    model : CostModel
        Already calibrated on the stored cells' wall times, if any.
    todo : cells this run will train
    timed : ``(cell, wall_time)`` of the stored cells (kept for every refit)
    """

    def __init__(self, model: CostModel, todo: Sequence[Cell],
                 timed: Iterable[tuple[Cell, float]] = ()) -> None:
        self.model, self.timed = model, list(timed)
        self.left = {c.key: c for c in todo}
        self.done: list[Cell] = []

    def finished(self, cell: Cell, wall_time: float | None) -> None:
        """Record a finished (or failed: ``wall_time`` None) cell and recalibrate."""
        self.left.pop(cell.key, None)
        self.done.append(cell)
        if wall_time is not None:
            self.timed.append((cell, float(wall_time)))
            self.model.fit(self.timed)

    def eta(self, elapsed: float) -> float | None:
        """Seconds left, or None before the first cell of this run finished."""
        done = self.model.total(self.done)
        if done <= 0 or not self.done:
            return None
        return elapsed * self.model.total(self.left.values()) / done


__all__ += ["CostClock"]
