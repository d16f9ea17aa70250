"""Callbacks: a handful of no-op hooks the Trainer calls; they, not the Trainer, decide stopping.

A callback sees the trainer through ``self.trainer`` (``.model``, ``.params``) and asks to stop
by setting ``self.trainer.stop_training = True``. Epochs are counted from 0.
"""
from __future__ import annotations

import math
import os
import sys
from typing import IO, Protocol, runtime_checkable

import numpy as np

from ..checks import check_choice, check_int, check_number
from ..errors import ConfigError
from .protocols import SavableModel, TrainableModel, TrainerLike

#: what the hooks are given: the epoch's (or the batch's) logged values by name
Logs = dict[str, float]

class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    trainer: TrainerLike | None = None

    def set_trainer(self, trainer: TrainerLike) -> None:
        self.trainer = trainer

    @property
    def fit_by(self) -> TrainerLike:
        """The trainer this callback is called by (ConfigError before :meth:`set_trainer`)."""
        if self.trainer is None:
            raise ConfigError(f"{type(self).__name__} is not attached to a trainer; pass it in "
                              f"Trainer(callbacks=[...])")
        return self.trainer

    @property
    def model(self) -> TrainableModel:
        return self.fit_by.model

    def on_train_begin(self, logs: Logs | None = None) -> None: ...

    def on_train_end(self, logs: Logs | None = None) -> None: ...

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...

    def on_pass_end(self, index: int, logs: Logs | None = None) -> None:
        """After the ``index``-th pass over the data, with ``fit(eval_every=k,
        eval_passes=True)`` only (``logs``: ``step``, and ``val_loss``, ``val_accuracy`` when
        fit has val); without eval_every a pass is an epoch (:meth:`on_epoch_end`)."""


class History(Callback):
    """Records the epoch logs: ``history.history["val_loss"][e]``, ``history.epoch``; with
    ``fit(eval_every=k, eval_passes=True)`` also each pass's logs in ``history.passes``
    (``step``, ``val_loss``, ``val_accuracy``)."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.passes: dict[str, list[float]] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.history, self.epoch, self.passes = {}, [], {}

    def on_pass_end(self, index: int, logs: Logs | None = None) -> None:
        del index
        for k, v in (logs or {}).items():
            self.passes.setdefault(k, []).append(v)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class _Monitor:
    """Shared by EarlyStopping and ModelCheckpoint: which logged value, and what is better."""

    def _init_monitor(self, owner: str, monitor: str, mode: str, min_delta: float) -> None:
        check_choice(mode, "mode", ["min", "max"], owner, " (no guessing from the name)")
        self._owner, self.monitor, self.mode = owner, monitor, mode
        self.min_delta = check_number(min_delta, "min_delta", owner, 0)

    def _improves(self, current: float, reference: float | None) -> bool:
        if reference is None:
            return not math.isnan(current)
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def _current(self, logs: Logs | None) -> float:
        logs = logs or {}
        if self.monitor not in logs:
            raise ConfigError(f"{self._owner}(monitor={self.monitor!r}): not in the epoch logs "
                              f"{sorted(logs)}; pass val=... to fit() for 'val_*' keys or monitor "
                              f"one of those")
        return float(logs[self.monitor])


class EarlyStopping(Callback, _Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        Epoch-log key, e.g. ``"val_loss"`` or ``"val_accuracy"``.
    mode : {"min", "max"}
        Whether smaller or larger values are better.
    min_delta : float
        An improvement must beat the best value by more than this.
    patience : int
        Epochs without improvement before stopping.
    baseline : float or None
        The first improvement must beat this value; epochs that do not count against patience.
    restore_best_weights : bool
        At the end of training (stopped early or not) set the weights of the best epoch.
    start_from_epoch : int
        Epochs before this one are not monitored (warm-up).

    Attributes
    ----------
    best : float or None
        The best monitored value (None while no epoch counted as an improvement).
    best_epoch : int or None
        Epoch of ``best``.
    stopped_epoch : int or None
        Epoch at whose end training was stopped; None if it ran all its epochs.
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "min", min_delta: float = 0.0,
                 patience: int = 10, baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        self._init_monitor("EarlyStopping", monitor, mode, min_delta)
        self.patience = check_int(patience, "patience", "EarlyStopping", 0)
        self.start_from_epoch = check_int(start_from_epoch, "start_from_epoch", "EarlyStopping", 0)
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = bool(restore_best_weights)
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.wait = 0
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = self._current(logs)
        if epoch < self.start_from_epoch:
            return
        reference = self.best if self.best is not None else self.baseline
        if self._improves(current, reference):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.fit_by.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        del logs
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


@runtime_checkable
class _LrOptimizer(Protocol):
    """An optimizer whose learning rate a callback can set."""

    lr: float


class _Bar(Protocol):
    """What ProgressBar uses of a tqdm bar."""

    def set_postfix(self, ordered_dict: dict[str, str], refresh: bool = True) -> None: ...

    def update(self, n: float = 1) -> bool | None: ...

    def close(self) -> None: ...


def _settable_lr(trainer: TrainerLike | None, owner: str) -> _LrOptimizer:
    """The trainer's optimizer, if it has a float ``lr`` a schedule can set (else ConfigError)."""
    opt: object = getattr(trainer, "optimizer", None)
    if not isinstance(opt, _LrOptimizer) or not isinstance(opt.lr, float):
        raise ConfigError(f"{owner} changes the optimizer's learning rate, but "
                          f"{type(opt).__name__} has no float attribute lr; use "
                          f"augfit.nn.optim.SGD/Momentum/Adam, or give your optimizer an lr "
                          f"attribute that its step() reads")
    return opt


class ReduceLROnPlateau(Callback, _Monitor):
    """Multiply the optimizer's ``lr`` by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs (as Keras' callback of that name).

    Parameters
    ----------
    monitor : str
        Epoch-log key, e.g. ``"val_loss"`` or ``"val_accuracy"``.
    factor : float
        In (0, 1): ``lr <- max(lr * factor, min_lr)``.
    patience : int
        Epochs without improvement before the learning rate is reduced.
    mode : {"min", "max"}
        Whether smaller or larger values are better.
    min_delta : float
        An improvement must beat the best value by more than this.
    cooldown : int
        Epochs after a reduction during which no epoch counts against patience.
    min_lr : float
        The learning rate is never reduced below this.

    The counters (``best``, ``wait``, ``cooldown_counter``) are reset in ``on_train_begin``; the
    learning rate is not (as in Keras, a second ``fit`` goes on from the reduced value).
    ``reductions`` lists ``(epoch, new_lr)`` of the last fit.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "min", min_delta: float = 0.0, cooldown: int = 0,
                 min_lr: float = 0.0) -> None:
        owner = "ReduceLROnPlateau"
        self._init_monitor(owner, monitor, mode, min_delta)
        self.factor = check_number(factor, "factor", owner, 0, 1, low_open=True, high_open=True)
        self.patience = check_int(patience, "patience", owner, 0)
        self.cooldown = check_int(cooldown, "cooldown", owner, 0)
        self.min_lr = check_number(min_lr, "min_lr", owner, 0)
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.best: float | None = None
        self.wait = 0
        self.cooldown_counter = 0
        self.reductions: list[tuple[int, float]] = []
        if self.trainer is not None:
            _settable_lr(self.trainer, "ReduceLROnPlateau")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        current = self._current(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improves(current, self.best):
            self.best, self.wait = current, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        opt = _settable_lr(self.trainer, "ReduceLROnPlateau")
        if opt.lr > self.min_lr:
            opt.lr = max(opt.lr * self.factor, self.min_lr)
            self.reductions.append((epoch, opt.lr))
            self.cooldown_counter, self.wait = self.cooldown, 0


class WeightAveraging(Callback):
    """Average the weights over training and leave the average in the model when training ends.

    ``kind="ema"``: an exponential moving average updated after every optimizer step,
    ``avg <- decay * avg + (1 - decay) * w``, starting from the weights after the first step.
    ``kind="swa"``: the plain mean of the weights at the end of each epoch from epoch
    ``floor(start * epochs)`` on (stochastic weight averaging).

    The per-epoch logs (and so early stopping and the learning curves) see the raw weights; only
    the model left after ``fit`` holds the average. It cannot be combined with
    ``EarlyStopping(restore_best_weights=True)``, which would also set the final weights.

    Parameters
    ----------
    kind : {"ema", "swa"}
    decay : float
        EMA decay in (0, 1).
    start : float
        SWA: the fraction of the epoch budget after which epochs are averaged, in [0, 1).
    """

    def __init__(self, kind: str = "ema", decay: float = 0.999, start: float = 0.75) -> None:
        self.kind = check_choice(kind, "kind", ["ema", "swa"], "WeightAveraging")
        self.decay = check_number(decay, "decay", "WeightAveraging", 0, 1, low_open=True,
                                  high_open=True)
        self.start = check_number(start, "start", "WeightAveraging", 0, 1, high_open=True)
        self.average: list[np.ndarray] | None = None
        self.count = 0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.average, self.count = None, 0
        for cb in getattr(self.trainer, "callbacks", []):
            if isinstance(cb, EarlyStopping) and cb.restore_best_weights:
                raise ConfigError("WeightAveraging and EarlyStopping(restore_best_weights=True) "
                                  "both set the final weights; use one of them (e.g. "
                                  "restore_best_weights=False)")

    def _add(self, weight: float | None) -> None:
        params = self.model.parameters()
        if self.average is None:
            self.average = [np.array(p, copy=True) for p in params]
        else:
            w = 1.0 / (self.count + 1) if weight is None else 1.0 - weight
            for a, p in zip(self.average, params, strict=True):
                a += (p - a) * w
        self.count += 1

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        del batch, logs
        if self.kind == "ema":
            self._add(self.decay)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        del logs
        epochs = (self.fit_by.params or {}).get("epochs") or 0
        if self.kind == "swa" and epoch >= math.floor(self.start * epochs):
            self._add(None)

    def on_train_end(self, logs: Logs | None = None) -> None:
        del logs
        if self.average is not None:
            for p, a in zip(self.model.parameters(), self.average, strict=True):
                p[...] = a

    def averaged_weights(self) -> list[np.ndarray] | None:
        """The weights (as ``model.get_weights()`` gives them) the model would hold if training
        ended now, without changing the model; None before anything was averaged."""
        if self.average is None:
            return None
        params = self.model.parameters()
        raw = [np.array(p, copy=True) for p in params]
        for p, a in zip(params, self.average, strict=True):
            p[...] = a
        try:
            return list(self.model.get_weights())
        finally:
            for p, r in zip(params, raw, strict=True):
                p[...] = r


#: the log keys a checkpoint file name may use, besides ``epoch`` and the monitored key
LOG_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _check_checkpoint_path(filepath: str, monitor: str) -> None:
    """Refuse at construction a file name template or folder that would fail at the first save."""
    where = f"ModelCheckpoint(filepath={filepath!r})"
    if not filepath:
        raise ConfigError(f"{where}: the file path is empty; pass e.g. 'best.npz'")
    keys = {"epoch": 0, **{k: 0.0 for k in (*LOG_KEYS, monitor)}}
    try:
        example = filepath.format(**keys)
    except (KeyError, IndexError) as e:
        field = e.args[0] if isinstance(e, KeyError) else ""  # IndexError: a positional {} or {0}
        raise ConfigError(f"{where}: the name uses the unknown field {{{field}}}; use "
                          f"{{epoch}} or a logged value ({', '.join(sorted(keys))}), or double the "
                          f"braces for a literal one") from None
    except ValueError as e:
        raise ConfigError(f"{where}: the name is not a valid format template ({e}); e.g. "
                          f"'ckpt-{{epoch:03d}}.npz'") from None
    path = os.path.abspath(example)
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise ConfigError(f"{where}: {path} is a folder; name a file inside it, e.g. "
                          f"{os.path.join(filepath, 'best.npz')!r}")
    if not os.path.isdir(folder):
        raise ConfigError(f"{where}: the folder {folder} does not exist (or is not a folder); "
                          f"create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"{where}: the folder {folder} is not writable; choose another path")


class ModelCheckpoint(Callback, _Monitor):
    """Save the model with ``model.save(path)`` at the end of epochs.

    Parameters
    ----------
    filepath : str or PathLike
        Target file; may contain ``{epoch}`` and log keys, e.g. ``"ckpt-{epoch:03d}.npz"``.
    save_best_only : bool
        Save only when ``monitor`` improves (default); otherwise every epoch.
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 mode: str = "min", save_best_only: bool = True, min_delta: float = 0.0) -> None:
        self._init_monitor("ModelCheckpoint", monitor, mode, min_delta)
        if not isinstance(filepath, (str, os.PathLike)):
            raise ConfigError(f"ModelCheckpoint(filepath=...) must be a str or path, got "
                              f"{filepath!r}")
        self.filepath = os.fspath(filepath)
        _check_checkpoint_path(self.filepath, monitor)
        self.save_best_only = bool(save_best_only)
        self.on_train_begin()

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.saved: list[str] = []

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = self._current(logs)
            if not self._improves(current, self.best):
                return
            self.best, self.best_epoch = current, epoch
        path = self.filepath.format(epoch=epoch, **logs)
        model = self.model
        if not isinstance(model, SavableModel):
            raise ConfigError(f"ModelCheckpoint saves the model, but {type(model).__name__} has "
                              f"no save(path) method; use augfit.nn.MLP or give the model one")
        model.save(path)
        self.saved.append(path)


class ProgressBar(Callback):
    """Progress per epoch, as Keras's ``verbose`` gives it.

    ``mode=1``: a tqdm bar over the epochs with the latest logs where ``file`` is a terminal, and
    one line per epoch elsewhere (a log file, a CI job); ``mode=2``: one line per epoch always.

    Parameters
    ----------
    file : text stream or None
        Where to write (default ``sys.stderr``).
    mode : {1, 2}
        Keras's ``verbose`` levels (0, silence, is no callback at all).

    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(out, mode=2)
    >>> bar.on_train_begin()
    >>> bar.on_epoch_end(0, {"loss": 0.6931, "val_accuracy": 0.5})
    >>> print(out.getvalue(), end="")
    epoch 1: loss 0.6931, val_accuracy 0.5
    """

    def __init__(self, file: IO[str] | None = None, mode: int = 1) -> None:
        self.file = file
        self.mode = check_choice(mode, "mode", (1, 2), "ProgressBar")
        self.bar: _Bar | None = None
        self._out: IO[str] = sys.stderr

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        from tqdm.auto import tqdm

        self._out = self.file if self.file is not None else sys.stderr
        self.bar = None
        if self.mode == 1 and self._out.isatty():
            total = (self.trainer.params or {}).get("epochs") if self.trainer is not None else None
            self.bar = tqdm(total=total, unit="epoch", file=self._out, dynamic_ncols=True)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in (logs or {}).items()}, refresh=False)
            self.bar.update(1)
            return
        shown = ", ".join(f"{k} {v:.4g}" for k, v in (logs or {}).items())
        self._out.write(f"epoch {epoch + 1}: {shown}\n")
        self._out.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        del logs
        if self.bar is not None:
            self.bar.close()
            self.bar = None


__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "ModelCheckpoint",
    "ProgressBar",
    "ReduceLROnPlateau",
    "WeightAveraging",
]
