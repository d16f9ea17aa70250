"""Several MLPs of one architecture trained side by side as one stack, bit-identical to training
each by itself.

The models (say the units of a grid row: one method and training size, several splits and seeds)
keep their parameters in the rows of one ``(G, n_params)`` array, so a layer of all of them is one
``np.matmul`` on ``(G, B, D) @ (G, D, H)`` stacks and an activation is one call; the optimizer
runs its rule row by row (see :class:`StackedStep` for why). Everything that differs between the
models stays theirs: each has its own :class:`~augfit.train.trainer.Trainer` (callbacks, early
stopping, schedule, history), its own loader (order and augmentation draws) and its own dropout
stream.

Why the numbers are the same bits as ``Trainer.fit`` on each model alone:

* NumPy's matmul on a stack runs the BLAS ``gemm`` of the 2-D product once per slice (each slice
  is contiguous), so every slice gets the very call the model alone makes; the bias gradient's sum
  over the batch and every elementwise operation are computed per element as before. This was
  checked on OpenBLAS 0.3.31 at 1 and 2 threads for the MLP's shapes (docs/speed.md), and the tests
  compare the stack with solo training bit for bit.
* The optimizer's rule runs on each row as on the model alone. The models step together, so they
  share the step count ``t``; each row has its own learning rate (``ReduceLROnPlateau``).
* A model that stops (early stopping, a diverged loss) leaves the stack at once: its parameters and
  optimizer state are copied out and change no more, and the last active row moves into its place,
  so the active models are always the first rows.

>>> from augfit.nn import MLP
>>> from augfit.nn.optim import Adam
>>> from augfit.data.loader import DataLoader
>>> from augfit.datasets import from_arrays
>>> rng = np.random.default_rng(0)
>>> x = rng.random((96, 8, 8), dtype=np.float32)
>>> y = (x[:, :4].mean(axis=(1, 2)) > x[:, 4:].mean(axis=(1, 2))).astype(int)
>>> def unit(seed):
...     loader = DataLoader(from_arrays(x, y, modality="image"), batch_size=32, seed=seed)
...     return Trainer(MLP(64, [16], 2, seed=seed), optimizer=Adam(lr=0.01)), loader
>>> (a, la), (b, lb) = unit(0), unit(1)
>>> histories = fit_stacked([a, b], [la, lb], epochs=5)
>>> solo, ls = unit(1)
>>> solo.fit(ls, epochs=5).history == histories[1].history
True
"""
from __future__ import annotations

import copy
import functools
import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
import scipy.sparse as sp

from ..arraytypes import Batch, Features
from ..errors import AugfitWarning, ConfigError, ShapeError, TrainingError
from ..nn.layers import Activation, Dense, Dropout, _Buffers
from ..nn.losses import cross_entropy, cross_entropy_stacked
from ..nn.model import MLP
from ..nn.optim import Optimizer, ParamState
from ..numerics import flush_subnormals as _flushing
from .callbacks import Callback, History
from .protocols import BatchSource, SizedBatchSource, TrainableModel, ValData
from .trainer import Trainer, _budget, _Run


@dataclass(frozen=True)
class _DenseAt:
    """A Dense layer's place in the flat parameters: W at ``off`` (``d`` x ``h``), b at
    ``boff``; ``input_grad``: whether its input needs a gradient."""

    off: int
    d: int
    h: int
    boff: int
    input_grad: bool


@dataclass(frozen=True)
class _ActAt:
    """An activation's kernels, forward ``fn(x, out)`` and ``backward(a, grad, out)``."""

    fn: Callable[..., np.ndarray]
    backward: Callable[..., np.ndarray]


@dataclass(frozen=True)
class _DropAt:
    """A Dropout layer: its index in each model's ``layers``."""

    index: int


_LayerAt: TypeAlias = _DenseAt | _ActAt | _DropAt


class StackedMLP:
    """The parameters of ``models`` (MLPs of one architecture) as rows of one array, and their
    forward and backward passes as one computation over the first ``active`` rows.

    Row ``i`` holds model ``lanes[i]``; each model's own arrays (``parameters()``, its layers'
    ``W`` and ``b``) are views of its row while it is in the stack.
    """

    def __init__(self, models: Sequence[TrainableModel]) -> None:
        if not models:
            raise ConfigError("StackedMLP(models=...) needs at least one MLP")
        first = models[0]
        shape = {k: v for k, v in first.config.items() if k != "seed"} \
            if isinstance(first, MLP) else None
        for m in models:
            if not isinstance(m, MLP) or {k: v for k, v in m.config.items() if k != "seed"} \
                    != shape:
                raise ConfigError(f"StackedMLP(models=...): every model must be an MLP of one "
                                  f"architecture ({shape}); got {m!r}")
        self.models = [m for m in models if isinstance(m, MLP)]     # all of them, checked above
        lead = self.models[0]
        self.dtype = lead.dtype
        n = lead.n_params
        self.params = np.zeros((len(models), n), self.dtype)
        self.grads = np.zeros_like(self.params)
        for row, m in enumerate(self.models):
            m.use_flat(self.params[row], self.grads[row])
        self.lanes = list(range(len(models)))
        self.active = len(models)
        self._layout = self._read_layout(lead)
        self._buf = _Buffers()
        self._saved: list[np.ndarray] = []

    @staticmethod
    def _read_layout(model: MLP) -> list[_LayerAt]:
        """Per layer: where a Dense layer's parameters are, an activation's kernels, or a Dropout
        layer's index."""
        layout: list[_LayerAt] = []
        pos = 0
        for k, layer in enumerate(model.layers):
            if isinstance(layer, Dense):
                d, h = layer.in_features, layer.out_features
                layout.append(_DenseAt(pos, d, h, pos + d * h, layer.input_grad))
                pos += d * h + h
            elif isinstance(layer, Dropout):
                layout.append(_DropAt(k))
            elif isinstance(layer, Activation):
                layout.append(_ActAt(layer._fn, layer._fn_backward))
            else:
                raise ConfigError(f"StackedMLP: unknown layer {layer!r}")
        return layout

    def _w(self, a: int, off: int, d: int, h: int) -> np.ndarray:
        return self.params[:a, off:off + d * h].reshape(a, d, h)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Training-mode outputs ``(A, B, out)`` of the active models for inputs ``(A, B, in)``
        (dropout on, one fresh mask per model from its own stream)."""
        a = self.active
        self._saved = []
        for k, item in enumerate(self._layout):
            if isinstance(item, _DenseAt):
                off, d, h, boff = item.off, item.d, item.h, item.boff
                z = self._buf.get(f"z{k}", (a, x.shape[1], h), self.dtype)
                np.matmul(x, self._w(a, off, d, h), out=z)
                z += self.params[:a, None, boff:boff + h]
                self._saved.append(x)
                x = z
            elif isinstance(item, _ActAt):
                x = item.fn(x, self._buf.get(f"a{k}", x.shape, self.dtype))
                self._saved.append(x)
            else:
                mask = self._buf.get(f"m{k}", x.shape, self.dtype)
                for row in range(a):
                    layer = self.models[self.lanes[row]].layers[item.index]
                    assert isinstance(layer, Dropout)
                    layer.draw_mask(mask[row])
                self._saved.append(mask)
                x = np.multiply(x, mask, out=self._buf.get(f"d{k}", x.shape, self.dtype))
        return x

    def backward(self, grad: np.ndarray) -> None:
        """Backpropagate ``∂C/∂output`` ``(A, B, out)``: fills the active rows of ``grads``."""
        a = self.active
        for k in range(len(self._layout) - 1, -1, -1):
            item, saved = self._layout[k], self._saved[k]
            if isinstance(item, _DenseAt):
                off, d, h, boff, input_grad = item.off, item.d, item.h, item.boff, item.input_grad
                np.matmul(saved.transpose(0, 2, 1), grad,
                          out=self.grads[:a, off:off + d * h].reshape(a, d, h))
                np.sum(grad, axis=1, out=self.grads[:a, boff:boff + h])
                if not input_grad:
                    return
                grad = np.matmul(grad, self._w(a, off, d, h).transpose(0, 2, 1),
                                 out=self._buf.get(f"dx{k}", (a, grad.shape[1], d), self.dtype))
            elif isinstance(item, _ActAt):
                grad = item.backward(saved, grad, self._buf.get(f"g{k}", grad.shape, self.dtype))
            else:
                grad = np.multiply(grad, saved, out=self._buf.get(f"g{k}", grad.shape,
                                                                  self.dtype))

    def release(self, row: int) -> int:
        """Take row ``row``'s model out of the stack (its parameters move to arrays of its own);
        the last active row moves into its place. Returns the model's index in ``models``."""
        last = self.active - 1
        index = self.lanes[row]
        model = self.models[index]
        model.use_flat(self.params[row].copy(), self.grads[row].copy())
        if row != last:
            moved = self.models[self.lanes[last]]
            moved.use_flat(self.params[row], self.grads[row])  # copies the last row here
            self.lanes[row] = self.lanes[last]
        self.lanes.pop()
        self.active -= 1
        return index


#: the optimizer updates as many rows of a stack in one pass as hold about this many parameters
#: (at least one): small models in few calls, large ones row by row (see :class:`StackedStep`)
PASS_PARAMS = 1 << 16


class StackedStep:
    """The optimizer of the active rows of a :class:`StackedMLP`: the models' own update rule, with
    one state per row, run over blocks of rows that share a learning rate.

    The rule is elementwise, so a pass over several rows gives the same bits as one pass per row.
    Which is faster depends on the size: for six 784-256-10 models one pass over the whole stack
    took 1.3x the time of six passes row by row (``benchmarks/stacked.py``, docs/speed.md; bound by
    memory traffic, and one row's arrays run from closer caches), while for the demo's 64-128-10
    models (9,610 parameters) the update is bound by the number of NumPy calls. So each pass takes
    as many rows as hold about :data:`PASS_PARAMS` parameters: one row at a time for the large
    models, six for the demo's. Rows whose learning rates differ (``ReduceLROnPlateau``) step one
    by one. The state (moments, velocity) is kept as ``(G, n_params)`` arrays whose row ``i`` is
    row ``i``'s.
    """

    def __init__(self, stack: StackedMLP, optimizer: Optimizer, decay_mask: np.ndarray | None
                 ) -> None:
        self.stack = stack
        self.opt = copy.copy(optimizer)
        self.opt.reset()
        self.decay_mask = None if decay_mask is None else [decay_mask]
        self.n = stack.params.shape[1]
        self.per_pass = max(1, PASS_PARAMS // max(self.n, 1))
        #: the update rule's buffers by name, ``(G, n_params)``, made at the first step
        self.state: dict[str, np.ndarray] = {}
        self.t = 0

    def step(self, lrs: Sequence[float | None]) -> None:
        """Update the active rows, row ``i`` at learning rate ``lrs[i]`` (the models step
        together, so they share the step count); a row whose rate is None takes no step (its
        loss diverged: its own fit would have stopped before the step)."""
        st, opt = self.stack, self.opt
        self.t += 1
        a = st.active
        k = self.per_pass if all(lr == lrs[0] for lr in lrs) else 1
        for lo in range(0, a, k):
            hi, lr = min(lo + k, a), lrs[lo]
            if lr is None:          # diverged (k > 1 only when every row's rate is the same)
                continue
            rows: ParamState = {"shape": (hi - lo, self.n)}
            rows.update({name: buf[lo:hi] for name, buf in self.state.items()})  # type: ignore
            opt.lr, opt.t, opt.state = lr, self.t - 1, [rows]
            opt.step([st.params[lo:hi]], [st.grads[lo:hi]], decay_mask=self.decay_mask)
            self._keep(rows, lo, hi)

    def _keep(self, rows: ParamState, lo: int, hi: int) -> None:
        """Adopt the buffers the rule made at its first step into the stack's state."""
        for name, value in rows.items():
            if name != "shape" and name not in self.state:
                buf = self.state[name] = np.zeros((self.stack.params.shape[0], self.n),
                                                  self.stack.dtype)
                buf[lo:hi] = value

    def release(self, row: int) -> ParamState:
        """Row ``row``'s optimizer state; the last active row's moves into its place (call before
        :meth:`StackedMLP.release`)."""
        last = self.stack.active - 1
        own: ParamState = {"shape": (self.n,)}
        for name, buf in self.state.items():
            own[name] = buf[row].copy()  # type: ignore[literal-required]
            if row != last:
                buf[row] = buf[last]
        return own


@dataclass
class _Lane:
    """One model's side of a stacked fit: its trainer, loop state and result."""

    trainer: Trainer
    callbacks: list[Callback]
    batch_cbs: list[Callback]
    history: History
    run: _Run
    val: Batch | None
    base_lr: float | None
    #: the trainer's optimizer, checked to be one of augfit.nn.optim's (the stack steps with it)
    opt: Optimizer
    it: Iterator[Batch] = field(default_factory=lambda: iter(()))
    epoch_lr: float = 0.0
    totals: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    logs: dict[str, float] = field(default_factory=dict)
    loss: float = 0.0
    error: TrainingError | None = None
    #: the optimizer steps the model took when its loss diverged (it leaves before the step)
    stepped: int | None = None


def _lane(trainer: Trainer, loader: BatchSource,
          val: ValData | None, budget: tuple[int | None, int | None],
          eval_every: int | None, batch_size: int) -> _Lane:
    """A model's trainer set up as ``fit(loader, val=val, ...)`` sets it up."""
    batches, featurize, per_epoch = trainer._batches(loader, None, batch_size, True, None)
    run = _Run.of(batches, per_epoch, *budget, eval_every)
    val_data = trainer._val(val, featurize)
    callbacks = trainer._callbacks(False)
    history = next(cb for cb in callbacks if isinstance(cb, History))
    trainer.params = {"epochs": run.epochs, "steps": run.period, "batch_size": batch_size,
                      "total_steps": run.total}
    batch_cbs = [cb for cb in callbacks if type(cb).on_batch_end is not Callback.on_batch_end]
    base_lr = trainer._bind_schedule(run.total)
    trainer.stop_training, trainer.step_count = False, 0
    opt = trainer.optimizer
    if not isinstance(opt, Optimizer):
        raise ConfigError(f"fit_stacked: the models step together with one of augfit.nn.optim's "
                          f"optimizers (SGD, Momentum, Adam), got {type(opt).__name__}; train "
                          f"these models one by one")
    return _Lane(trainer, callbacks, batch_cbs, history, run, val_data, base_lr, opt)


def check_stackable(trainers: Sequence[Trainer], loaders: Sequence[SizedBatchSource]) -> None:
    """ConfigError unless the trainers' models can share a stack and step together: MLPs of one
    architecture, one optimizer class and settings, loaders of one length yielding dense
    batches."""
    if len(trainers) != len(loaders) or not trainers:
        raise ConfigError(f"fit_stacked: one loader per trainer, got {len(trainers)} trainers "
                          f"and {len(loaders)} loaders")
    opts = {(type(t.optimizer).__name__, repr(sorted((k, v) for k, v in vars(t.optimizer).items()
                                                     if k not in ("state", "t"))))
            for t in trainers}
    if len(opts) > 1:
        raise ConfigError(f"fit_stacked: the trainers' optimizers differ ({sorted(opts)}); "
                          f"models stacked together use one optimizer setting")
    lengths = {len(ld) for ld in loaders}
    if len(lengths) > 1:
        raise ConfigError(f"fit_stacked: the loaders have different lengths {sorted(lengths)}; "
                          f"stacked models step together, so their data must give the same "
                          f"number of batches")
    losses = {(t.loss, t.label_smoothing) for t in trainers}
    if len(losses) > 1:
        raise ConfigError(f"fit_stacked: the trainers' losses differ ({sorted(losses)})")


def fit_stacked(trainers: Sequence[Trainer], loaders: Sequence[SizedBatchSource], *,
                val: Sequence[ValData | None] | None = None, epochs: int | None = None,
                steps: int | None = None, eval_every: int | None = None,
                batch_size: int = 128, flush_subnormals: bool = True
                ) -> list[History | TrainingError]:
    """Train each ``trainers[i]`` on ``loaders[i]`` (with ``val[i]``) as
    ``trainers[i].fit(loaders[i], val=val[i], epochs=..., steps=..., eval_every=...,
    flush_subnormals=...)`` would, bit for bit, but all models in one stack
    (:class:`StackedMLP`).

    Returns each model's History, or the TrainingError its training raised (a diverged loss):
    that model leaves the stack and the others go on. Each trainer ends as after its own fit
    (``history``, ``diagnostics``, ``step_count``; its optimizer holds the state it ended with).
    """
    check_stackable(trainers, loaders)
    stack = StackedMLP([t.model for t in trainers])
    budget = _budget(epochs, steps)
    vals = list(val) if val is not None else [None] * len(trainers)
    if len(vals) != len(trainers):
        raise ConfigError(f"fit_stacked: one val per trainer (or val=None), got {len(trainers)} "
                          f"trainers and {len(vals)} vals")
    lanes = [_lane(t, ld, v, budget, eval_every, batch_size)
             for t, ld, v in zip(trainers, loaders, vals, strict=True)]
    mask = trainers[0]._step()
    step = StackedStep(stack, lanes[0].opt,
                       mask.keywords["decay_mask"][0] if isinstance(mask, functools.partial)
                       else None)
    with _flushing(bool(flush_subnormals)) as numerics:
        for lane in lanes:
            lane.trainer.params["numerics"] = numerics
            for cb in lane.callbacks:
                cb.on_train_begin(lane.logs)
        _epochs(stack, step, lanes)
        for row in range(stack.active - 1, -1, -1):      # the budget is spent
            _leave(stack, step, lanes, row)
    return [lane.error if lane.error is not None else lane.history for lane in lanes]


def _epochs(stack: StackedMLP, step: StackedStep, lanes: list[_Lane]) -> None:
    """The epochs of the logs, as ``Trainer._loop`` runs them, for every model in the stack (they
    share the budget: same batches per epoch, same steps)."""
    epochs, steps = lanes[0].run.epochs, lanes[0].run.steps
    epoch = 0
    while stack.active and (epochs is None or epoch < epochs) and \
            (steps is None or lanes[stack.lanes[0]].trainer.step_count < steps):
        limit = None if steps is None else steps - lanes[stack.lanes[0]].trainer.step_count
        for row in range(stack.active - 1, -1, -1):
            lane = lanes[stack.lanes[row]]
            _hook(lane, "on_epoch_begin", epoch, lane.logs)
            if lane.error is not None:
                _leave(stack, step, lanes, row)
                continue
            lane.it = iter(lane.run.batches(epoch))
            lane.epoch_lr = float(lane.opt.lr)
            lane.totals, lane.counts = [0.0, 0.0, 0.0], np.zeros(lane.trainer.model.out_features,
                                                                 np.int64)
        _run_epoch(stack, step, lanes, epoch, limit)
        for row in range(stack.active - 1, -1, -1):
            lane = lanes[stack.lanes[row]]
            if lane.error is None:
                _end_epoch(lane, epoch)
            if lane.error is not None or lane.trainer.stop_training:
                _leave(stack, step, lanes, row)
        epoch += 1


def _run_epoch(stack: StackedMLP, step: StackedStep, lanes: list[_Lane], epoch: int,
               limit: int | None) -> None:
    """One epoch's steps for the active models (at most ``limit``), then their epoch logs."""
    b = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while stack.active and (limit is None or b < limit):
            active = [lanes[i] for i in stack.lanes]
            got = [next(lane.it, None) for lane in active]
            if any(g is None for g in got):
                if not all(g is None for g in got):
                    raise ShapeError("fit_stacked: the loaders yielded different numbers of "
                                     "batches in one epoch")
                break
            _one_step(stack, step, active, [g for g in got if g is not None], epoch, b)
            for row in range(stack.active - 1, -1, -1):
                if lanes[stack.lanes[row]].error is not None:
                    _leave(stack, step, lanes, row)
            b += 1
    for i in stack.lanes:
        _close_epoch(lanes[i], epoch)


def _one_step(stack: StackedMLP, step: StackedStep, active: list[_Lane],
              got: list[Batch], epoch: int, b: int) -> None:
    """Step ``b`` of ``epoch``: forward, each model's loss, backward, the optimizer, the batch
    callbacks (a model whose loss is not finite only notes its error)."""
    out = stack.forward(_stacked_inputs(stack, [xb for xb, _ in got]))
    if all(lane.trainer._train_loss_fn is cross_entropy for lane in active) and \
            all(yb.ndim == 1 for _, yb in got):
        grad = _stacked_loss(active, out, got, epoch, b)
    else:
        grad = np.empty_like(out)
        for row, (lane, (xb, yb)) in enumerate(zip(active, got, strict=True)):
            _loss(lane, out[row], xb, yb, grad, row, epoch, b)
    stack.backward(grad)
    for lane in active:
        if lane.error is not None:
            lane.stepped = step.t
    step.step([None if lane.error is not None else _lr(lane) for lane in active])
    for lane, (xb, _) in zip(active, got, strict=True):
        if lane.error is not None:
            continue
        lane.trainer.step_count += 1
        _hook(lane, "on_batch_end", b, {"loss": lane.loss, "size": xb.shape[0]}, lane.batch_cbs)


def _close_epoch(lane: _Lane, epoch: int) -> None:
    """The model's running loss and accuracy of the epoch become its logs (its schedule's base
    learning rate back), as at the end of ``Trainer._run_epoch``."""
    tr = lane.trainer
    if tr.schedule is not None:
        lane.opt.lr = lane.epoch_lr
    if lane.totals[2] == 0:
        raise ShapeError(f"the training data yielded no batches in epoch {epoch}; the "
                         f"dataset or loader is empty")
    tr._label_counts = lane.counts
    lane.logs = {"loss": lane.totals[0] / lane.totals[2],
                 "accuracy": lane.totals[1] / lane.totals[2]}


def _stacked_inputs(stack: StackedMLP, xs: list[Features]) -> np.ndarray:
    """The active models' batches as one ``(A, B, in)`` array (a buffer reused between steps)."""
    if any(sp.issparse(x) for x in xs):
        raise ConfigError("fit_stacked: sparse (CSR) batches cannot be stacked; train these "
                          "models one by one")
    shapes = {x.shape for x in xs}
    if len(shapes) > 1:
        raise ShapeError(f"fit_stacked: the models' batches differ in shape {sorted(shapes)}")
    out = stack._buf.get("x", (len(xs), *xs[0].shape), stack.dtype)
    return np.stack(xs, out=out)


def _loss(lane: _Lane, out: np.ndarray, xb: Features, yb: np.ndarray, grad: np.ndarray, row: int,
          epoch: int, b: int) -> None:
    """The model's training loss on its batch: its gradient into ``grad[row]``, its running
    totals updated, or its TrainingError noted when the loss is not finite."""
    tr = lane.trainer
    loss, g = tr._train_loss_fn(out, yb)
    if not math.isfinite(loss):
        lane.error = tr._diverged(loss, epoch, b, xb)
        grad[row] = 0
        return
    grad[row] = g
    n = out.shape[0]
    labels = yb if yb.ndim == 1 else yb.argmax(axis=1)
    lane.totals[1] += int(np.count_nonzero(out.argmax(axis=1) == labels))
    lane.counts += np.bincount(labels, minlength=lane.counts.size)[:lane.counts.size]
    lane.totals[0] += loss * n
    lane.totals[2] += n
    lane.loss = loss


def _stacked_loss(active: list[_Lane], out: np.ndarray, got: list[Batch], epoch: int,
                  b: int) -> np.ndarray:
    """:func:`_loss` for every model at once (plain cross-entropy on hard labels): one
    :func:`~augfit.nn.losses.cross_entropy_stacked` call and one count of the correct predictions
    and labels, the same numbers as each model's own; returns the gradient ``(A, B, out)``."""
    ys = np.stack([yb for _, yb in got])
    losses, grad = cross_entropy_stacked(out, ys)
    a, n, k = out.shape
    correct = np.count_nonzero(out.argmax(axis=2) == ys, axis=1)
    counts = np.bincount((ys + k * np.arange(a)[:, None]).ravel(), minlength=a * k).reshape(a, k)
    for row, lane in enumerate(active):
        loss = float(losses[row])
        if not math.isfinite(loss):
            lane.error = lane.trainer._diverged(loss, epoch, b, got[row][0])
            grad[row] = 0
            continue
        lane.totals[1] += int(correct[row])
        lane.counts += counts[row]
        lane.totals[0] += loss * n
        lane.totals[2] += n
        lane.loss = loss
    return grad


def _lr(lane: _Lane) -> float:
    """The model's learning rate for this step (its schedule applied, as Trainer does)."""
    tr = lane.trainer
    if tr.schedule is not None:
        lane.opt.lr = lane.epoch_lr * tr.schedule.factor(tr.step_count)
    return float(lane.opt.lr)


def _end_epoch(lane: _Lane, epoch: int) -> None:
    tr = lane.trainer
    if lane.val is not None:
        ev = tr._evaluate(*lane.val)
        lane.logs["val_loss"], lane.logs["val_accuracy"] = ev["loss"], ev["accuracy"]
    _hook(lane, "on_epoch_end", epoch, lane.logs)


def _hook(lane: _Lane, name: str, arg: int, logs: dict[str, float],
          callbacks: list[Callback] | None = None) -> None:
    """Call hook ``name`` of the model's callbacks; a TrainingError one raises fails this model
    only (as it would fail its own fit)."""
    for cb in lane.callbacks if callbacks is None else callbacks:
        try:
            getattr(cb, name)(arg, logs)
        except TrainingError as e:
            lane.error = e
            return


def _leave(stack: StackedMLP, step: StackedStep, lanes: list[_Lane], row: int) -> None:
    """Row ``row``'s model leaves the stack: its parameters and optimizer state freeze, and its
    training ends as its own fit's would (base learning rate back, ``on_train_end``)."""
    own = step.release(row)
    lane = lanes[stack.release(row)]
    tr, opt = lane.trainer, lane.opt
    opt.state = [own]
    opt.t = step.t if lane.stepped is None else lane.stepped
    if lane.base_lr is not None:
        opt.lr = lane.base_lr
    if lane.error is not None:
        return
    for cb in lane.callbacks:
        cb.on_train_end(lane.logs)
    tr.history = lane.history
    h = lane.history
    tr.diagnostics = tr.diagnose(h.history, len(h.epoch) if lane.run.epochs is None
                                 else lane.run.epochs)
    for message in tr.diagnostics:
        warnings.warn(message, AugfitWarning, stacklevel=3)


__all__ = ["StackedMLP", "StackedStep", "check_stackable", "fit_stacked"]
