"""Trainer: runs the mini-batch loop; callbacks decide when to stop (it has no stopping logic)."""
from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import TypeGuard

import numpy as np
import scipy.sparse as sp

from ..arraytypes import ArrayLike, Batch, Features, Inputs, is_sparse
from ..checks import check_choice, check_int
from ..errors import AugfitWarning, ConfigError, ShapeError, TrainingError
from ..nn.losses import PER_SAMPLE, SOFT_TARGET_LOSSES, TO_PROBA, check_label_smoothing, get_loss
from ..nn.optim import Adam
from ..numerics import flush_subnormals as _flushing
from ..rng import SeedLike, as_generator
from .callbacks import Callback, History, ProgressBar, ReduceLROnPlateau
from .checks import check_features, check_labels
from .protocols import BatchSource, StepOptimizer, TrainableModel, ValData
from .schedules import Schedule

Batches = Iterable[Batch]
#: the batches of each pass over the data, by pass number
Passes = Callable[[int], Iterator[Batch]]
#: a loader's featurize: raw validation inputs to features
Featurize = Callable[[Inputs], Features]

#: a loss above this (while still finite) counts as divergence: a training loss stops the fit, and
#: a cell whose final losses or stored test loss exceed it is reported as diverged
DIVERGED_LOSS = 1e6


def _periods(batches: Passes, every: int
             ) -> Passes:
    """Periods of ``every`` steps over the passes ``batches(0), batches(1), ...`` chained (each
    pass drawn only when the one before is used up)."""
    stream = itertools.chain.from_iterable(batches(e) for e in itertools.count())

    def period(_: int) -> Iterator[Batch]:
        return itertools.islice(stream, every)
    return period


def _budget(epochs: int | None, steps: int | None) -> tuple[int | None, int | None]:
    """fit's budget checked: (epochs, None) with epochs defaulting to 10, or (None, steps)."""
    if epochs is not None and steps is not None:
        raise ConfigError(f"fit(epochs={epochs!r}, steps={steps!r}): give the budget in "
                          f"epochs or in optimizer steps, not both; drop one of them")
    if steps is not None:
        return None, check_int(steps, "steps", "fit", 1)
    return check_int(10 if epochs is None else epochs, "epochs", "fit"), None


@dataclasses.dataclass(frozen=True)
class _Run:
    """What the loop runs: the batches of each "epoch" of the logs, how many such epochs and
    steps (None: until the data end), the total steps when known and the steps per epoch."""

    batches: Passes
    epochs: int | None
    steps: int | None
    total: int | None
    period: int | None

    @classmethod
    def of(cls, batches: Passes,
           per_epoch: int | None, epochs: int | None, steps: int | None,
           eval_every: int | None) -> _Run:
        """The run of a checked budget (``epochs`` or ``steps``) over passes of ``per_epoch``
        batches (None: unknown), in periods of ``eval_every`` steps when given."""
        if steps is not None:
            epochs = math.ceil(steps / per_epoch) if per_epoch else None
        total = steps if steps is not None else \
            (epochs * per_epoch if epochs is not None and per_epoch else None)
        if eval_every is None:
            return cls(batches, epochs, steps, total, per_epoch)
        eval_every = check_int(eval_every, "eval_every", "fit", 1)
        if total is None:
            raise ConfigError("fit(eval_every=...) needs a budget of known length: give "
                              "steps=N, or a loader with a length")
        return cls(_periods(batches, eval_every), -(-total // eval_every), total, total,
                   eval_every)


class _PassEnds(Callback):
    """``fit(eval_passes=True)``: after the step that ends a pass over the data (or the budget),
    evaluate val (kept for the period's own evaluation at that step) and call every callback's
    ``on_pass_end``."""

    def __init__(self, per_pass: int, total: int, val_data: Batch | None,
                 others: list[Callback]) -> None:
        self.per_pass, self.total, self.val, self.others = per_pass, total, val_data, others
        self.index = 0
        self.owner: Trainer | None = None

    @classmethod
    def of(cls, trainer: Trainer, callbacks: list[Callback], val_data: Batch | None,
           per_pass: int | None, total: int | None) -> _PassEnds:
        if per_pass is None or total is None:
            raise ConfigError("fit(eval_passes=True) evaluates at the end of every pass over the "
                              "data, so it needs data of known length: a loader with a length, "
                              "or arrays")
        made = cls(per_pass, total, val_data, list(callbacks))
        made.set_trainer(trainer)
        made.owner = trainer
        return made

    def on_train_begin(self, logs: dict[str, float] | None = None) -> None:
        del logs
        self.index = 0

    def on_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        del batch, logs
        trainer = self.owner
        if trainer is None:
            return
        step = trainer.step_count
        if step % self.per_pass and step != self.total:
            return
        out: dict[str, float] = {"step": float(step)}
        if self.val is not None:
            ev = trainer._evaluate(*self.val)
            trainer._pass_eval = (step, ev)
            out.update(val_loss=ev["loss"], val_accuracy=ev["accuracy"])
        for cb in self.others:
            cb.on_pass_end(self.index, dict(out))
        self.index += 1


def _labels_in_range(y: np.ndarray, n: int, k: int) -> bool:
    """Whether ``y`` is ``n`` integer labels in ``[0, k)``, checked with one pass: a negative
    label read as unsigned is at least ``2**63 > k``.

    >>> [_labels_in_range(np.array(v), 2, 3) for v in ([0, 2], [0, 3], [-1, 0], [0.0, 1.0])]
    [True, False, False, False]
    """
    if y.ndim != 1 or y.shape[0] != n or y.dtype.kind not in "iu":
        return False
    unsigned = y.view(f"u{y.dtype.itemsize}") if y.dtype.kind == "i" else y
    return not y.size or int(unsigned.max()) < k


def _is_loader(data: object) -> TypeGuard[BatchSource]:
    return hasattr(data, "__iter__") and not isinstance(data, (np.ndarray, list, tuple, str)) \
        and not sp.issparse(data)


class Trainer:
    """Train a model with mini-batch gradient descent.

    Parameters
    ----------
    model : TrainableModel
        An :class:`~augfit.nn.MLP`, or anything with ``forward(x, training)``,
        ``backward(grad)``, ``parameters()``, ``gradients()``, ``get_weights()/set_weights()``,
        ``in_features``, ``out_features``, ``dtype``
        (:class:`~augfit.train.protocols.TrainableModel`).
    loss : {"cross_entropy", "mse"}
    optimizer : StepOptimizer or None
        Default ``Adam(lr=1e-3)``. With ``decay_bias=False`` the Trainer hands it
        ``model.decay_mask()`` so that weight decay skips the biases.
    callbacks : list of Callback
        Called at train/epoch/batch boundaries; ``EarlyStopping`` stops training,
        ``ReduceLROnPlateau`` lowers the learning rate, ``WeightAveraging`` leaves EMA/SWA weights.
    schedule : Schedule or None
        Sets ``optimizer.lr`` to ``base lr x schedule.factor(t)`` before step ``t`` (e.g.
        :class:`~augfit.train.schedules.CosineSchedule`), bound to the fit's budget; the base
        value is put back when training ends.
    label_smoothing : float
        In [0, 1): training targets become ``(1 - ε)·t + ε/K``. Only the training loss is
        smoothed; ``val_loss`` and :meth:`evaluate` use the plain loss, so they compare across
        methods.

    Notes
    -----
    Batches may carry soft targets ``(N, K)`` instead of labels (a loader whose augment mixes
    labels, e.g. MixUp); the running training accuracy then scores the argmax of the targets.

    ``fit(eval_every=k)``: an "epoch" of the logs, the callbacks (early stopping's patience,
    ReduceLROnPlateau) and the History is ``k`` optimizer steps, the same at every training-set
    size, and the data flow on across passes unchanged (the same batches in the same order); the
    last one ends with the budget (it may be shorter). With ``eval_passes=True`` val is also
    evaluated after every pass over the data (and at the end of the budget), as a fit without
    ``eval_every`` does: the logs, the callbacks' epochs and the trained model are the same as
    without it (a pass that ends where a period ends is evaluated once); only the time spent
    evaluating grows. The runner uses it for the previous release's every-epoch evaluation
    (``AUGFIT_SPEEDUPS`` without ``sparse``).

    ``fit(flush_subnormals=True)`` (the default) sets the CPU's FTZ/DAZ flags in this thread for
    the fit and restores the caller's afterwards (:mod:`augfit.numerics`): an overfitting model's
    tiny gradients and Adam moments no longer slow every step many times over, and the numbers
    change only where a value fell below about 1.2e-38. ``params["numerics"]`` records the
    arithmetic used: 1 IEEE (also where the flags cannot be set), 2 flushed.

    Examples
    --------
    >>> from augfit.nn import MLP
    >>> from augfit.train.callbacks import EarlyStopping
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.random((100, 64), dtype=np.float32), rng.integers(0, 10, 100)
    >>> trainer = Trainer(MLP(64, [128], 10, seed=0), optimizer=Adam(lr=1e-3),
    ...                   callbacks=[EarlyStopping(patience=5, restore_best_weights=True)])
    >>> history = trainer.fit(x[:80], y[:80], val=(x[80:], y[80:]), epochs=100, seed=0)
    >>> len(history.history["val_loss"]) < 100      # early stopping ended it
    True
    """

    def __init__(self, model: TrainableModel, loss: str = "cross_entropy",
                 optimizer: StepOptimizer | None = None,
                 callbacks: Iterable[Callback] | None = None,
                 label_smoothing: float = 0.0, schedule: Schedule | None = None) -> None:
        self.model = model
        self.loss = loss
        self._loss_fn = get_loss(loss)  # evaluation: the plain loss
        self.label_smoothing = check_label_smoothing(label_smoothing,
                                                     "Trainer(label_smoothing=...)")
        self._train_loss_fn = get_loss(loss, self.label_smoothing)
        if loss == "cross_entropy" and getattr(model, "out_features", None) == 1:
            raise ConfigError("Trainer(loss='cross_entropy') needs a model with one output per "
                              "class, got out_features=1 (a softmax over one output is always 1, "
                              "so nothing is learned); use out_features=2 for two classes")
        self.optimizer = optimizer if optimizer is not None else Adam()
        if not callable(getattr(self.optimizer, "step", None)):
            raise ConfigError(f"Trainer(optimizer=...) needs a step(params, grads) method, got "
                              f"{optimizer!r}; use augfit.nn.optim.SGD/Momentum/Adam")
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ConfigError(f"Trainer(callbacks=...) must be Callback instances, got {cb!r}")
        self.schedule = self._check_schedule(schedule)
        self.stop_training = False
        self.step_count = 0
        self.params: dict[str, int | None] = {}
        self.history: History | None = None
        #: what went wrong in the last fit without stopping it (also issued as AugfitWarning)
        self.diagnostics: list[str] = []
        self._label_counts: np.ndarray = np.zeros(0, np.int64)
        #: (step, val evaluation) of the last pass end (fit(eval_passes=True)), else None
        self._pass_eval: tuple[int, dict[str, float]] | None = None

    def _check_schedule(self, schedule: object) -> Schedule | None:
        if schedule is None:
            return None
        if not isinstance(schedule, Schedule):
            raise ConfigError(f"Trainer(schedule=...) must be a Schedule such as "
                              f"CosineSchedule(warmup=0.05) or StepDecay(every=1000), got "
                              f"{schedule!r}; ReduceLROnPlateau is a callback: pass it in "
                              f"callbacks=[...]")
        if not isinstance(getattr(self.optimizer, "lr", None), float):
            raise ConfigError(f"Trainer(schedule=...) sets the optimizer's learning rate before "
                              f"every step, but {type(self.optimizer).__name__} has no float "
                              f"attribute lr; use augfit.nn.optim.SGD/Momentum/Adam, or give "
                              f"your optimizer an lr attribute that its step() reads")
        if any(isinstance(cb, ReduceLROnPlateau) for cb in self.callbacks):
            raise ConfigError("Trainer(schedule=...) and a ReduceLROnPlateau callback would both "
                              "set the learning rate; use one of them")
        return schedule

    # --- input checks ---------------------------------------------------------------------------
    def _x(self, x: object, name: str) -> Features:
        return check_features(x, name, self.model.in_features, self.model.dtype)

    def _y(self, y: object, name: str, n: int) -> np.ndarray:
        return check_labels(y, name, n, self.model.out_features, self.loss, self.model.dtype)

    def _val(self, val: object, featurize: Featurize | None) -> Batch | None:
        if val is None:
            return None
        if hasattr(val, "x") and hasattr(val, "y"):
            xv, yv = val.x, val.y
        elif isinstance(val, (tuple, list)) and len(val) == 2:
            xv, yv = val
        else:
            raise ConfigError(f"fit(val=...) must be (x, y) or a Dataset with .x/.y, got "
                              f"{type(val).__name__}")
        if featurize is not None:
            xv = featurize(xv)
        xv = self._x(xv, "val x")
        return xv, self._y(yv, "val y", xv.shape[0])

    # --- batches --------------------------------------------------------------------------------
    def _array_batches(self, x: Features, y: np.ndarray, batch_size: int, shuffle: bool,
                       rng: np.random.Generator) -> Iterator[Batch]:
        n = x.shape[0]
        order = rng.permutation(n) if shuffle else None
        dense = not sp.issparse(x)
        buf = np.empty((min(batch_size, n), x.shape[1]), x.dtype) if dense and shuffle else None
        for start in range(0, n, batch_size):
            if order is None:  # contiguous slices are views: no copy
                yield x[start:start + batch_size], y[start:start + batch_size]
                continue
            idx = order[start:start + batch_size]
            if dense:
                out = buf if buf is not None and len(idx) == len(buf) else None
                xb = np.take(x, idx, axis=0, out=out, mode="clip")  # clip: unbuffered, idx valid
            else:
                xb = x[idx]
            yield xb, y[idx]

    def _loader_batches(self, loader: BatchSource, epoch: int) -> Iterator[Batch]:
        dtype, k = self.model.dtype, self.model.out_features
        for b, (given_x, given_y) in enumerate(loader):
            xb: Features
            # a plain ndarray (the common case) skips the sparse check: a step is short
            if type(given_x) is not np.ndarray and is_sparse(given_x):
                xb = given_x if given_x.format == "csr" and given_x.dtype == dtype else \
                    sp.csr_matrix(given_x, dtype=dtype)
            else:
                xb = np.asarray(given_x)
                if xb.dtype != dtype:
                    xb = xb.astype(dtype)
            if xb.shape[0] == 0:
                raise ShapeError(f"loader batch {b} (epoch {epoch}) has 0 rows; a loader must "
                                 f"yield batches of at least one sample (skip or drop empty ones)")
            yb = np.asarray(given_y)
            if not _labels_in_range(yb, xb.shape[0], k):
                yb = self._y(yb, f"labels of loader batch {b} (epoch {epoch})", xb.shape[0])
            yield xb, yb

    # --- the loop ---------------------------------------------------------------------------------
    def fit(self, data: ArrayLike | BatchSource, y: ArrayLike | None = None, *,
            val: ValData | None = None,
            epochs: int | None = None, steps: int | None = None, batch_size: int = 128,
            shuffle: bool = True, seed: SeedLike = None, verbose: bool | int = False,
            eval_every: int | None = None, eval_passes: bool = False,
            flush_subnormals: bool = True) -> History:
        """Train for up to ``epochs`` epochs, or ``steps`` optimizer steps (callbacks may stop
        earlier).

        Parameters
        ----------
        data : array (N, D), CSR matrix, or DataLoader-like
            Features with ``y``; or an iterable whose every ``iter()`` yields one epoch of
            ``(xb, yb)`` batches (then ``y``, ``batch_size``, ``shuffle``, ``seed`` are unused).
            If it has ``featurize(x)``, validation inputs are passed through it.
        y : array (N,) of int, optional
            Class labels in ``[0, out_features)`` (``loss="mse"`` also takes targets (N, K)).
        val : (x, y) or Dataset-like with ``.x``/``.y``, optional
            Evaluated after every epoch (``val_loss``, ``val_accuracy`` in the logs).
        epochs : int, optional
            The budget in epochs (default 10 when ``steps`` is not given either).
        steps : int, optional
            The budget in optimizer steps instead, the same whatever the data's size: training
            runs ``ceil(steps / batches per epoch)`` epochs, the last one cut short after the
            ``steps``-th step. Give ``epochs`` or ``steps``, not both.
        seed : int, Generator or None
            Shuffling order of the array path; None draws fresh entropy.
        verbose : bool or {0, 1, 2}
            As Keras's: 0/False silent; 1/True a :class:`ProgressBar` (a bar on a terminal, one
            line per epoch on stderr otherwise); 2 one line per epoch.
        eval_every : int, optional
            Log (and evaluate ``val``) every ``eval_every`` optimizer steps instead of after every
            pass over the data, as Keras' ``steps_per_epoch`` (see Notes). Needs a known budget
            in steps (``steps``, or ``epochs`` with data of known length).
        eval_passes : bool
            With ``eval_every``: also evaluate ``val`` after every pass over the data, into
            ``History.passes`` and the callbacks' ``on_pass_end``; nothing else changes (Notes).
        flush_subnormals : bool
            Train with subnormal floats flushed to zero (default; see Notes), or with IEEE
            subnormals (``False``: the bytes of before). ``params["numerics"]`` says which.

        Returns
        -------
        History
            Per-epoch ``loss``, ``accuracy`` (running over the epoch's batches, dropout on),
            and ``val_loss``, ``val_accuracy`` when ``val`` is given.
        """
        epochs, steps = _budget(epochs, steps)
        batches, featurize, per_epoch = self._batches(data, y, batch_size, shuffle, seed)
        run = _Run.of(batches, per_epoch, epochs, steps, eval_every)
        val_data = self._val(val, featurize)
        callbacks = self._callbacks(verbose)
        if eval_passes and eval_every is not None:
            callbacks.append(_PassEnds.of(self, callbacks, val_data, per_epoch, run.total))
        self.params = {"epochs": run.epochs, "steps": run.period, "batch_size": batch_size,
                       "total_steps": run.total}
        with _flushing(bool(flush_subnormals)) as self.params["numerics"]:
            self._loop(callbacks, run.batches, val_data, run.epochs, run.steps, run.total)
        return self._finish(callbacks, run.epochs)

    def _finish(self, callbacks: list[Callback], epochs: int | None) -> History:
        """The fit's History, kept with the diagnostics of its run (each also warned)."""
        history = next(cb for cb in callbacks if isinstance(cb, History))
        self.history = history
        self.diagnostics = self.diagnose(history.history, len(history.epoch)
                                          if epochs is None else epochs)
        for message in self.diagnostics:
            warnings.warn(message, AugfitWarning, stacklevel=3)
        return history

    def _batches(self, data: object, y: object, batch_size: int, shuffle: bool, seed: SeedLike
                 ) -> tuple[Passes, Featurize | None, int | None]:
        """(epoch -> that epoch's batches, the loader's featurize or None, batches per epoch or
        None when unknown)."""
        if _is_loader(data) and y is None:
            loader = data
            if getattr(data, "soft_targets", False) and self.loss not in SOFT_TARGET_LOSSES:
                raise ConfigError(f"the loader's augment mixes labels (MixUp/CutMix) but loss "
                                  f"{self.loss!r} takes hard labels only; use one of "
                                  f"{sorted(SOFT_TARGET_LOSSES)}")

            def from_loader(epoch: int) -> Iterator[Batch]:
                return self._loader_batches(loader, epoch)
            per_epoch = len(data) if isinstance(data, Sized) else None
            return from_loader, getattr(data, "featurize", None), per_epoch
        if y is None:
            raise ConfigError(f"fit(data=...) got {type(data).__name__} without y: pass "
                              f"fit(x, y) with features and labels, or a DataLoader")
        batch_size = check_int(batch_size, "batch_size", "fit")
        x = self._x(data, "x")
        yy = self._y(y, "y", x.shape[0])
        rng = as_generator(seed)

        def from_arrays(_epoch: int) -> Iterator[Batch]:
            return self._array_batches(x, yy, batch_size, shuffle, rng)
        return from_arrays, None, math.ceil(x.shape[0] / batch_size)

    def _callbacks(self, verbose: bool | int) -> list[Callback]:
        callbacks = list(self.callbacks)
        if not any(isinstance(cb, History) for cb in callbacks):
            callbacks.insert(0, History())
        mode = check_choice(verbose, "verbose", (0, 1, 2), "fit")
        if mode and not any(isinstance(cb, ProgressBar) for cb in callbacks):
            callbacks.append(ProgressBar(mode=int(mode)))
        for cb in callbacks:
            cb.set_trainer(self)
        return callbacks

    def _loop(self, callbacks: list[Callback], batches: Callable[[int], Batches],
              val_data: Batch | None, epochs: int | None, steps: int | None,
              total: int | None) -> None:
        """The epochs: callbacks, one epoch of steps, val; stops at the budget or when asked."""
        batch_cbs = [cb for cb in callbacks
                     if type(cb).on_batch_end is not Callback.on_batch_end]
        base_lr = self._bind_schedule(total)
        self.stop_training, self.step_count, self._pass_eval = False, 0, None
        logs: dict[str, float] = {}
        for cb in callbacks:
            cb.on_train_begin(logs)
        epoch = 0
        try:
            while (epochs is None or epoch < epochs) and \
                    (steps is None or self.step_count < steps):
                for cb in callbacks:
                    cb.on_epoch_begin(epoch, logs)
                limit = None if steps is None else steps - self.step_count
                logs = self._run_epoch(epoch, batches(epoch), batch_cbs, limit)
                if val_data is not None:
                    ev = self._evaluate_val(val_data)
                    logs["val_loss"], logs["val_accuracy"] = ev["loss"], ev["accuracy"]
                for cb in callbacks:
                    cb.on_epoch_end(epoch, logs)
                epoch += 1
                if self.stop_training:
                    break
        finally:
            if base_lr is not None:
                self.optimizer.lr = base_lr  # type: ignore[attr-defined]
        for cb in callbacks:
            cb.on_train_end(logs)

    def _bind_schedule(self, total: int | None) -> float | None:
        """The optimizer's base lr when a schedule will set it (the schedule bound to ``total``
        steps), else None."""
        if self.schedule is None:
            return None
        self.schedule.bind(total)
        return float(self.optimizer.lr)  # type: ignore[attr-defined]

    def diagnose(self, h: dict[str, list[float]], epochs: int) -> list[str]:
        """Signs that training failed while every loss stayed finite, in the per-epoch history
        ``h`` (``loss``, ``accuracy``) of a fit with a budget of ``epochs`` epochs; the "learned
        nothing" check uses the label counts of this trainer's last epoch."""
        out = []
        losses = h.get("loss", [])
        if losses and max(losses) > DIVERGED_LOSS:
            worst = int(np.argmax(losses))
            out.append(f"training diverged: the loss reached {losses[worst]:.3g} at epoch {worst} "
                       f"(above {DIVERGED_LOSS:g}) though it stayed finite; lower the learning "
                       f"rate or scale the features")
        acc, counts = h.get("accuracy", []), self._label_counts
        if len(acc) == epochs and epochs > 1 and counts.sum() > 0:
            chance = float(counts.max() / counts.sum())
            if acc[-1] <= chance:
                out.append(f"the model learned nothing: after all {epochs} epochs the training "
                           f"accuracy ({acc[-1]:.3f}) is no better than always predicting the most "
                           f"frequent class ({chance:.3f}); check the labels, the features' scale "
                           f"and the learning rate")
        return out

    def _step(self) -> Callable[[Sequence[np.ndarray], Sequence[np.ndarray]], None]:
        """The optimizer's step, given the model's decay mask when biases are not decayed."""
        opt = self.optimizer
        if getattr(opt, "decay_bias", True) or not getattr(opt, "weight_decay", 0):
            return opt.step
        mask_fn = getattr(self.model, "decay_mask", None)
        if mask_fn is None:
            raise ConfigError(f"optimizer {type(opt).__name__}(decay_bias=False) needs a model "
                              f"with decay_mask() (which entries are biases); "
                              f"{type(self.model).__name__} has none: use decay_bias=True")
        return functools.partial(opt.step, decay_mask=mask_fn())

    def _run_epoch(self, epoch: int, batches: Batches, batch_cbs: list[Callback],
                   limit: int | None = None) -> dict[str, float]:
        """One epoch's steps (at most ``limit``): the running loss and accuracy."""
        model, loss_fn, step = self.model, self._train_loss_fn, self._step()
        params, grads = model.parameters(), model.gradients()
        schedule, opt = self.schedule, self.optimizer
        base = float(getattr(opt, "lr", 0.0)) if schedule is not None else 0.0
        total, correct, seen = 0.0, 0, 0
        counts = np.zeros(model.out_features, np.int64)
        # Overflow in a diverging run shows up as a non-finite loss, reported below with advice.
        with np.errstate(over="ignore", invalid="ignore"):
            for b, (xb, yb) in enumerate(batches):
                out = model.forward(xb, training=True)
                loss, grad = loss_fn(out, yb)
                if not math.isfinite(loss):
                    raise self._diverged(loss, epoch, b, xb)
                n = out.shape[0]
                labels = yb if yb.ndim == 1 else yb.argmax(axis=1)
                correct += int(np.count_nonzero(out.argmax(axis=1) == labels))
                counts += np.bincount(labels, minlength=counts.size)[:counts.size]
                model.backward(grad)
                if schedule is not None:
                    opt.lr = base * schedule.factor(self.step_count)  # type: ignore[attr-defined]
                step(params, grads)
                self.step_count += 1
                total += loss * n
                seen += n
                for cb in batch_cbs:
                    cb.on_batch_end(b, {"loss": loss, "size": n})
                if limit is not None and b + 1 >= limit:
                    break
        if schedule is not None:
            opt.lr = base  # type: ignore[attr-defined]
        if seen == 0:
            raise ShapeError(f"the training data yielded no batches in epoch {epoch}; the "
                             f"dataset or loader is empty")
        self._label_counts = counts
        return {"loss": total / seen, "accuracy": correct / seen}

    def _diverged(self, loss: float, epoch: int, batch: int, xb: Features) -> TrainingError:
        where = f"loss became {loss} at epoch {epoch}, batch {batch} (counting from 0)"
        values = xb.data if sp.issparse(xb) else xb
        if not np.all(np.isfinite(values)):
            return TrainingError(f"{where}: the input batch holds NaN or inf values; clean the "
                                 f"features (e.g. np.nan_to_num) before training")
        lr = getattr(self.optimizer, "lr", None)
        hint = f" (now {lr:g}; try {lr / 10:g})" if isinstance(lr, float) else ""
        return TrainingError(f"{where}: training diverged; lower the learning rate{hint}")

    # --- evaluation -------------------------------------------------------------------------------
    def _outputs(self, x: Features, batch_size: int = 1024) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.concatenate([self.model.forward(x[s:s + batch_size], training=False)
                                   for s in range(0, x.shape[0], batch_size)])

    def _evaluate(self, x: Features, y: np.ndarray) -> dict[str, float]:
        out = self._outputs(x)
        with np.errstate(over="ignore", invalid="ignore"):
            loss, _ = self._loss_fn(out, y)
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return {"loss": loss, "accuracy": float(np.mean(out.argmax(axis=1) == labels))}

    def _evaluate_val(self, val_data: Batch) -> dict[str, float]:
        """val's loss and accuracy now: the pass-end evaluation when one was made at this very
        step (``fit(eval_passes=True)``), else evaluated."""
        done = self._pass_eval
        if done is not None and done[0] == self.step_count:
            return done[1]
        return self._evaluate(*val_data)

    def evaluate(self, x: ArrayLike, y: ArrayLike) -> dict[str, float]:
        """``{"loss", "accuracy"}`` of the model on features ``x`` and labels ``y`` (no dropout)."""
        x = self._x(x, "x")
        return self._evaluate(x, self._y(y, "y", x.shape[0]))

    def evaluate_per_example(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Per-example results of the model on ``x``, ``y`` (no dropout): ``(correct, loss)``,
        bool ``(N,)`` and float ``(N,)``; their means are :meth:`evaluate`'s accuracy and loss."""
        x = self._x(x, "x")
        y = self._y(y, "y", x.shape[0])
        out = self._outputs(x)
        with np.errstate(over="ignore", invalid="ignore"):
            loss = PER_SAMPLE[self.loss](out, y)
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        return out.argmax(axis=1) == labels, loss

    def predict_proba(self, x: ArrayLike) -> np.ndarray:
        """Class probabilities ``(N, out_features)`` (softmax of the logits for cross-entropy)."""
        return TO_PROBA[self.loss](self._outputs(self._x(x, "x")))

    def predict(self, x: ArrayLike) -> np.ndarray:
        """Predicted class labels ``(N,)`` int64."""
        labels: np.ndarray = self._outputs(self._x(x, "x")).argmax(axis=1)
        return labels.astype(np.int64)


__all__ = ["DIVERGED_LOSS", "Trainer"]
