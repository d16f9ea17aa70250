"""One cell of the grid (method x split x seed x training size), trained as a pure function of the
spec and the cell, so every executor (in-process, processes, dask) gives the same numbers.

Paired design: the split, the training subsample, the initial weights and the loader's shuffling
depend only on (split, seed, training size), never on the method, so a method and the baseline
differ only by what the method does, and both are scored on the same test examples. BLAS is
limited to one thread inside a cell, which keeps the floating-point results the same whatever the
executor (and is as fast for these small networks).
"""
from __future__ import annotations

import json
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from ...errors import AugfitWarning, TrainingError
from ...jsontypes import JSONDict
from ...rng import derive, seed_from
from ...train.callbacks import Callback, EarlyStopping, Logs
from ...train.metrics import gap_curve, generalization_gap
from ...train.schedules import Schedule
from ...train.trainer import DIVERGED_LOSS
from ..spec import (
    Cell,
    Checker,
    DatasetSection,
    EarlyStoppingConfig,
    Method,
    Spec,
    TrainingSection,
    show,
    spec_from_canonical,
)
from ..stats import CellResult

if TYPE_CHECKING:
    from ...data.datasets import Dataset
    from ...data.loader import DataLoader
    from ...nn.model import MLP
    from ...nn.optim import Optimizer
    from ...train.protocols import TrainerLike
    from ...train.trainer import Trainer

# child-stream keys of a cell's seed (documented so users can reproduce a cell by hand)
SUBSAMPLE, MODEL, LOADER = 1, 2, 3


@lru_cache(maxsize=4)
def _spec(canonical_json: str) -> Spec:
    return spec_from_canonical(json.loads(canonical_json))


class _SplitArgs(TypedDict):
    """``Dataset.split_indices``' arguments besides the seed."""

    val: float
    test: float
    stratify: bool
    by_group: bool


@lru_cache(maxsize=1)
def _dataset(dataset_json: str, source: str) -> Dataset:
    from .data_source import load_dataset

    d: DatasetSection = json.loads(dataset_json)
    return load_dataset(d, source)


def _split_base(dataset_json: str, source: str) -> tuple[Dataset, Dataset | None, _SplitArgs]:
    """(the data the repeated splits deal out, the fixed official test set or None, the split
    arguments without seed and test)."""
    from ...data.splits import official_split, official_test_problem

    d: DatasetSection = json.loads(dataset_json)
    ds = _dataset(dataset_json, source)
    split = d["split"]
    test_size = split["test"]
    if not isinstance(test_size, str):
        return ds, None, {"val": split["val"], "test": test_size, "stratify": split["stratify"],
                          "by_group": split["by_group"]}
    what = official_test_problem(ds)
    if what is not None:
        raise Checker(source).fail(
            "dataset.split.test", f'"official": dataset {d["name"]!r} with options '
            f"{show(d['options'])} {what}; use a fraction such as 0.2, or load both official "
            "parts (e.g. fashion_mnist with options {split: all})")
    rest, test = official_split(ds)
    return rest, test, {"val": split["val"], "test": 0, "stratify": split["stratify"],
                        "by_group": split["by_group"]}


def _max_splits(dataset_json: str, source: str) -> int:
    from ...data.splits import distinct_splits

    base, fixed_test, args = _split_base(dataset_json, source)
    n_val, n_test = base.split_sizes(args["val"], args["test"])
    return distinct_splits(base.y, base.groups, n_val, n_test, base.n_classes,
                           stratify=args["stratify"], by_group=args["by_group"],
                           fixed_test=fixed_test is not None)


@lru_cache(maxsize=3)
def _splits(dataset_json: str, source: str, k: int) -> tuple[Dataset, Dataset, Dataset]:
    from ...data.splits import repeated_splits

    base, fixed_test, args = _split_base(dataset_json, source)
    seed = json.loads(dataset_json)["split"]["seed"]
    maximum = _max_splits(dataset_json, source)
    triples = repeated_splits(lambda rng: base.split_indices(seed=rng, **args), k + 1, seed,
                              maximum)
    train_idx, val_idx, test_idx = triples[k]
    test = base.subset(test_idx) if fixed_test is None else fixed_test
    return base.subset(train_idx), base.subset(val_idx), test


def _dataset_json(spec: Spec) -> str:
    return json.dumps(spec.dataset, sort_keys=True)


def splits(spec: Spec, split: int = 0) -> tuple[Dataset, Dataset, Dataset]:
    """(train, val, test) of split ``split`` (0 .. spec.splits - 1) of the spec's dataset, cached
    per process.

    Split 0 is ``Dataset.split(seed=dataset.split.seed)`` exactly; split k >= 1 is drawn from
    ``derive(dataset.split.seed, k, attempt)`` (the first attempt whose val and test differ from
    every earlier split's), stratified like split 0. With ``test: official`` the test set is the
    dataset's own (``meta["official_test"]``) in every split and only val (drawn from the rest)
    varies.
    """
    return _splits(_dataset_json(spec), spec.source, int(split))


def max_splits(spec: Spec) -> int:
    """How many different splits the spec's data and ``dataset.split`` allow (capped at 10^9)."""
    return _max_splits(_dataset_json(spec), spec.source)


def training_subset(spec: Spec, train: Dataset, cell: Cell) -> Dataset:
    """The cell's training subsample: a function of (split, seed, train_size) only."""
    rng = derive(cell.seed, SUBSAMPLE, cell.split, cell.train_size)
    if spec.train_size_unit == "per_class":
        return train.subsample(per_class=cell.train_size, seed=rng)
    return train.subsample(n=cell.train_size, seed=rng)


def make_model(spec: Spec, method: Method, cell: Cell, n_features: int, n_classes: int) -> MLP:
    """The cell's MLP: initial weights from (split, seed, train_size) only; the method sets only
    the dropout rate."""
    from ...nn import MLP

    seq = np.random.SeedSequence(cell.seed, spawn_key=(MODEL, cell.split, cell.train_size))
    return MLP(n_features, spec.model["hidden"], n_classes, activation=spec.model["activation"],
               dropout=method.dropout, seed=seq)


def make_optimizer(spec: Spec, method: Method | None = None) -> Optimizer:
    """The cell's optimizer: ``training``'s, with the method's own weight decay if it sets one
    (biases excluded unless the method says ``decay_bias: true``)."""
    from ...nn.optim import OPTIMIZERS

    t = spec.training
    cls: type[Optimizer] = OPTIMIZERS[t["optimizer"]]
    if method is not None and method.weight_decay is not None:
        return cls(lr=t["lr"], weight_decay=method.weight_decay, decay_bias=method.decay_bias)
    return cls(lr=t["lr"], weight_decay=t["weight_decay"])


class _Examples(TypedDict):
    test_correct: np.ndarray
    test_loss_per_example: np.ndarray


class _TrainedRequired(TypedDict):
    metrics: dict[str, float]
    history: dict[str, list[float]]
    examples: _Examples
    warnings: list[str]


class _Trained(_TrainedRequired, total=False):
    """What training a cell (or deriving one) gave, before it is a :class:`CellResult`."""

    wall_time: float                # a derived cell's: the time deriving it took


class _Budget(TypedDict):
    """``Trainer.fit``'s budget arguments."""

    epochs: int | None
    steps: int | None
    eval_every: int | None


class EpochRecorder(Callback):
    """Callback recording, after every epoch, the logs plus the *clean* training metrics: the
    training subsample evaluated in eval mode (no augmentation, no dropout), so the learning
    curves train vs val measure generalization rather than the difficulty of augmented batches.

    With ``passes`` (the previous release's every-epoch evaluation, speedup ``sparse`` off, fit
    with ``eval_passes``) it also records, after every pass over the data, the step and val and
    clean train there (``pass_step``, ``pass_val_loss``, ...); where a pass ends with an
    evaluation period the clean train is evaluated once."""

    keys = ("loss", "accuracy", "val_loss", "val_accuracy", "train_loss", "train_accuracy")
    pass_keys = ("pass_step", "pass_val_loss", "pass_val_accuracy", "pass_train_loss",
                 "pass_train_accuracy")

    def __init__(self, x_train: Any, y_train: np.ndarray, passes: bool = False) -> None:
        self.x, self.y = x_train, y_train
        self.names = self.keys + (self.pass_keys if passes else ())
        self.history: dict[str, list[float]] = {k: [] for k in self.names}
        self._clean: tuple[int, dict[str, float]] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        del logs
        self.history = {k: [] for k in self.names}
        self._clean = None

    def on_pass_end(self, index: int, logs: dict[str, float] | None = None) -> None:
        del index
        logs = logs or {}
        clean = self.fit_by.evaluate(self.x, self.y)
        self._clean = (self.fit_by.step_count, clean)
        for k in ("step", "val_loss", "val_accuracy"):
            self.history[f"pass_{k}"].append(float(logs[k]))
        self.history["pass_train_loss"].append(float(clean["loss"]))
        self.history["pass_train_accuracy"].append(float(clean["accuracy"]))

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        del epoch
        logs = logs or {}
        done = self._clean
        clean = done[1] if done is not None and done[0] == self.fit_by.step_count \
            else self.fit_by.evaluate(self.x, self.y)
        for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
            self.history[k].append(float(logs[k]))
        self.history["train_loss"].append(float(clean["loss"]))
        self.history["train_accuracy"].append(float(clean["accuracy"]))


def run_cell(spec: Spec | JSONDict, cell: Cell, epoch_callback: Callback | None = None,
             data: Dataset | None = None, flush: bool = False) -> CellResult:
    """Train one cell; its :class:`~augfit.experiments.stats.CellResult`: the metrics, the
    history, ``wall_time``, ``numerics`` (the numerics version), the training diagnostics
    (``warnings``) and the final model's per-example test results in the order of the split's
    test set: ``test_correct`` (bool, (n_test,)) and ``test_loss_per_example`` (float32,
    (n_test,)).

    ``spec`` may be a Spec or its canonical dict (what executors ship to workers).
    ``epoch_callback`` (optional) is an extra Trainer callback, e.g. a progress bar.
    ``data`` (optional) is the Dataset whose fingerprint the spec's dataset section holds (how
    executors ship data to workers).
    ``flush``: train with subnormals flushed to zero (:mod:`augfit.numerics`); ``numerics`` says
    which arithmetic the result was computed with.
    """
    (_, result), = run_cells(spec, cell, (), epoch_callback, data, flush)
    if isinstance(result, BaseException):
        raise result
    return result


def run_cells(spec: Spec | JSONDict, cell: Cell, derived: Sequence[Cell] = (),
              epoch_callback: Callback | None = None, data: Dataset | None = None,
              flush: bool = False, passes: bool = False
              ) -> list[tuple[Cell, CellResult | TrainingError]]:
    """Train ``cell`` and read each of ``derived`` off its trajectory: ``[(cell, result), ...]``,
    ``cell`` first, each result as :func:`run_cell` gives it, or the TrainingError it raised.

    A derived cell is one of the same (split, seed, train_size) whose method differs from
    ``cell``'s only by early stopping (:func:`early_stopping_siblings`); its results (history up
    to the stop epoch, best epoch, final model and its evaluations) are those of training it,
    bit for bit, because early stopping changes nothing in a run before it stops. A derived
    cell's ``wall_time`` is the time deriving it took (evaluating its final model); ``cell`` has
    the rest. If ``cell``'s training fails, each derived cell is trained by itself (it may have
    stopped before the failure). ``passes``: evaluate val and the clean train after every pass
    over the data too, as the previous release did (:class:`EpochRecorder`; the same results
    with the per-pass curves added to the history).
    """
    from threadpoolctl import threadpool_limits

    from ...numerics import flush_subnormals

    if isinstance(spec, dict):
        spec = _spec(json.dumps(spec, sort_keys=True))
    if data is not None:
        from .data_source import install

        install(spec.dataset["fingerprint"], data)
    t0 = time.perf_counter()
    with threadpool_limits(limits=1), flush_subnormals(flush) as numerics:
        try:
            results: list[_Trained] | TrainingError = _train(spec, cell, epoch_callback, derived,
                                                             passes, flush)
        except TrainingError as e:
            results = e
    if isinstance(results, TrainingError):         # the run failed: train them one by one
        return [(cell, results), *(run_cells(spec, d, (), None, None, flush, passes)[0]
                                   for d in derived)]
    # a derived cell's wall time is what deriving it took; the trained cell has the rest
    seconds = time.perf_counter() - t0 - sum(r.get("wall_time", 0.0) for r in results[1:])
    return [(c, _cell_result(c, r, r.get("wall_time", seconds), numerics))
            for c, r in zip((cell, *derived), results, strict=False)]


def _cell_result(cell: Cell, r: _Trained, wall_time: float, numerics: int) -> CellResult:
    """A cell's :class:`CellResult` from what training it gave (:func:`_result`)."""
    res = CellResult.from_stored(cell.method, cell.split, cell.seed, cell.train_size, cell.key,
                                 wall_time, r["metrics"], r["history"])
    return replace(res, test_correct=r["examples"]["test_correct"],
                   test_loss_per_example=r["examples"]["test_loss_per_example"],
                   numerics=numerics, warnings=tuple(r.get("warnings", ())))


def run_group(spec: Spec | JSONDict, units: Sequence[tuple[Cell, Sequence[Cell]]],
              epoch_callback: Callback | None = None, data: Dataset | None = None,
              flush: bool = False
              ) -> list[tuple[Cell, CellResult | BaseException]]:
    """Train the cells of ``units`` (``(cell, derived cells)`` pairs of one method and training
    size: a grid row's units, which differ in split and seed) as one stack
    (:func:`augfit.train.stacked.fit_stacked`): the same ``[(cell, result), ...]`` as
    :func:`run_cells` on each unit, bit for bit but the wall times (each trained cell gets an
    equal share of the group's).

    A cell whose training fails gives its TrainingError (its derived cells then train by
    themselves) and the others finish. Cells whose batches cannot share a stack (sparse text
    features) train one by one. ``epoch_callback`` goes to the first cell only.
    """
    from threadpoolctl import threadpool_limits

    from ...numerics import flush_subnormals

    if isinstance(spec, dict):
        spec = _spec(json.dumps(spec, sort_keys=True))
    if data is not None:
        from .data_source import install

        install(spec.dataset["fingerprint"], data)
    rows = {(c.method, c.train_size) for c, _ in units}
    if len(rows) > 1:
        raise ValueError(f"run_group(units=...): a group holds cells of one method and training "
                         f"size, got {sorted(rows)}")
    t0 = time.perf_counter()
    trained = None
    if len(units) > 1:
        with threadpool_limits(limits=1), flush_subnormals(flush) as numerics:
            trained = _train_group(spec, units, epoch_callback, flush)
    if trained is None:
        return [pair for i, (c, d) in enumerate(units)
                for pair in run_cells(spec, c, d, epoch_callback if i == 0 else None, None, flush)]
    spent = sum(r.get("wall_time", 0.0) for rs in trained if isinstance(rs, list) for r in rs[1:])
    seconds = (time.perf_counter() - t0 - spent) / len(units)
    out: list[tuple[Cell, CellResult | BaseException]] = []
    for (cell, derived), results in zip(units, trained, strict=True):
        if isinstance(results, BaseException):       # failed: its riders train one by one
            out.append((cell, results))
            out += [run_cells(spec, d, (), None, None, flush)[0] for d in derived]
            continue
        for c, r in zip((cell, *derived), results, strict=True):
            out.append((c, _cell_result(c, r, r.get("wall_time", seconds), numerics)))
    return out


def _train_group(spec: Spec, units: Sequence[tuple[Cell, Sequence[Cell]]],
                 epoch_callback: Callback | None, flush: bool = False
                 ) -> list[list[_Trained] | BaseException] | None:
    """Each unit's results (or its TrainingError) from one stacked fit; None when their batches
    cannot share a stack."""
    from ...train.stacked import fit_stacked

    ps = [_prepare(spec, c, epoch_callback if i == 0 else None, d)
          for i, (c, d) in enumerate(units)]
    if not all(isinstance(p.x_train, np.ndarray) for p in ps) or \
            len({len(p.loader) for p in ps}) > 1:
        return None
    with warnings.catch_warnings():  # reported once per cell, with its name, by the executor
        warnings.simplefilter("ignore", AugfitWarning)
        fitted = fit_stacked([p.trainer for p in ps], [p.loader for p in ps],
                             val=[p.val for p in ps], flush_subnormals=flush,
                             **ps[0].fit_kwargs())
    return [h if isinstance(h, BaseException) else _finish(p)
            for p, h in zip(ps, fitted, strict=True)]


def _early_stopping(e: EarlyStoppingConfig | None) -> EarlyStopping:
    if e is None:
        raise ValueError("a derived cell's method has no early_stopping")
    mode = "min" if e["monitor"] == "val_loss" else "max"
    return EarlyStopping(monitor=e["monitor"], mode=mode, min_delta=e["min_delta"],
                         patience=e["patience"], restore_best_weights=e["restore_best_weights"],
                         start_from_epoch=e["start_from_epoch"])


@dataclass
class _Prepared:
    """A cell ready to train: its trainer (model, callbacks), loader and val set, and what its
    results are read from afterwards."""

    spec: Spec
    cell: Cell
    trainer: Trainer
    loader: DataLoader
    val: Dataset
    test: Dataset
    x_train: Any                  # the featurized training subsample (an array or sparse rows)
    y_train: np.ndarray
    recorder: EpochRecorder
    es: EarlyStopping | None
    shadows: list[ShadowStop]
    passes: bool = False

    def fit_kwargs(self) -> _Budget:
        t = self.spec.training
        return {"epochs": t.get("epochs"), "steps": t.get("steps"),
                "eval_every": t.get("eval_every")}

    def fit(self, flush: bool) -> None:
        """Train the cell's model (diagnostics are reported once per cell, with its name, by
        the executor); ``flush``: subnormals flushed (the caller has set the flags for the
        whole cell already, evaluations included)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AugfitWarning)
            self.trainer.fit(self.loader, val=self.val, flush_subnormals=flush,
                             eval_passes=self.passes, **self.fit_kwargs())


def _prepare(spec: Spec, cell: Cell, epoch_callback: Callback | None,
             derived: Sequence[Cell] = (), passes: bool = False) -> _Prepared:
    from ...data.loader import DataLoader
    from ...train.trainer import Trainer
    from ...transforms.audio.mel import with_sample_rate
    from ...transforms.base import Transform

    method = spec.method(cell.method)
    train, val, test = splits(spec, cell.split)
    sub = training_subset(spec, train, cell)
    t = spec.training
    augment = with_sample_rate(Transform.from_dict(method.augment),  # an audio step's None: the
                               sub.sample_rate) if method.augment else None  # data's rate
    mix = Transform.from_dict(method.mix) if method.mix else None
    loader = DataLoader(sub, batch_size=t["batch_size"], shuffle=True, augment=augment,
                        features="auto" if spec.features is None else spec.features,
                        seed=seed_from(derive(cell.seed, LOADER, cell.split, cell.train_size)),
                        mix=mix)
    x_train = loader.featurize(sub.x)
    model = make_model(spec, method, cell, loader.n_features, len(train.classes))
    passes = passes and "eval_every" in t         # without it every pass is evaluated anyway
    recorder = EpochRecorder(x_train, sub.y, passes)
    es = _early_stopping(method.early_stopping) if method.early_stopping else None
    shadows = [ShadowStop(_early_stopping(spec.method(d.method).early_stopping))
               for d in derived]
    callbacks: list[Callback] = [recorder, *([es] if es else []), *shadows,
                            *([epoch_callback] if epoch_callback is not None else [])]
    schedule = _budget_callbacks(t, callbacks)
    trainer = Trainer(model, loss=t["loss"], optimizer=make_optimizer(spec, method),
                      callbacks=callbacks, label_smoothing=method.label_smoothing,
                      schedule=schedule)
    return _Prepared(spec, cell, trainer, loader, val, test, x_train, sub.y, recorder, es,
                     shadows, passes)


def _train(spec: Spec, cell: Cell, epoch_callback: Callback | None,
           derived: Sequence[Cell] = (), passes: bool = False, flush: bool = False
           ) -> list[_Trained]:
    p = _prepare(spec, cell, epoch_callback, derived, passes)
    p.fit(flush)
    return _finish(p)


def _finish(p: _Prepared) -> list[_Trained]:
    """The trained cell's result, then each derived cell's (read off its ShadowStop)."""
    trainer, loader, model = p.trainer, p.loader, p.trainer.model
    epochs = budget_epochs(p.spec.training, len(loader))
    sets = {"train": (p.x_train, p.y_train), "val": (loader.featurize(p.val.x), p.val.y),
            "test": (loader.featurize(p.test.x), p.test.y)}
    final = model.get_weights()
    out = [_result(trainer, dict(p.recorder.history), p.es, sets, epochs,
                   list(trainer.diagnostics))]
    for s in p.shadows:            # after the run's own result: set_weights replaces its model
        t0 = time.perf_counter()
        h = _stopped_history(p.recorder.history, s)
        model.set_weights(final if s.weights is None else s.weights)
        out.append(_result(trainer, h, s.es, sets, epochs,
                           trainer.diagnose({"loss": h["loss"], "accuracy": h["accuracy"]},
                                            epochs)))
        out[-1]["wall_time"] = time.perf_counter() - t0
    return out


def _stopped_history(h: dict[str, list[float]], s: ShadowStop) -> dict[str, list[float]]:
    """The history of a run that stopped where ``s`` says: its first ``s.epochs_run`` epochs, and
    the passes over the data (``pass_*``) that ended by its last step."""
    out = {k: v[:s.epochs_run] for k, v in h.items() if not k.startswith("pass_")}
    if "pass_step" in h:
        n = sum(1 for step in h["pass_step"] if step <= s.steps_run)
        out.update({k: v[:n] for k, v in h.items() if k.startswith("pass_")})
    return out


def _result(trainer: Trainer, h: dict[str, list[float]], es: EarlyStopping | None,
            sets: dict[str, tuple[Any, np.ndarray]], epochs: int,
            diagnostics: list[str]) -> _Trained:
    """A cell's stored result from its per-epoch history ``h`` and the trainer's current model
    evaluated on the (featurized) train, val and test sets."""
    # learning curves (val: the set early stopping watches); verdicts never use them
    h["gap_accuracy"] = gap_curve({"accuracy": h["train_accuracy"],
                                   "val_accuracy": h["val_accuracy"]}, "accuracy").tolist()
    h["gap_loss"] = gap_curve({"loss": h["train_loss"], "val_loss": h["val_loss"]},
                              "loss").tolist()
    correct, losses = trainer.evaluate_per_example(*sets["test"])
    final = {"train": trainer.evaluate(*sets["train"]), "val": trainer.evaluate(*sets["val"]),
             "test": {"accuracy": float(np.mean(correct)),
                      "loss": float(np.mean(losses, dtype=np.float64))}}
    metrics = cell_metrics(h, final, best_epoch_index(h, es), epochs)
    return {"metrics": metrics, "history": h,
            "examples": {"test_correct": correct,
                         "test_loss_per_example": losses.astype(np.float32)},
            "warnings": diagnostics}


class ShadowStop(Callback):
    """Replays an :class:`~augfit.train.callbacks.EarlyStopping` on a run that goes on without
    it: records the epoch at which it would have stopped (``epochs_run``) and the weights the
    stopped run would end with (``weights``: the restored best epoch's, else the stop epoch's or
    their weight average when training averages weights; None when it never stopped and restores
    nothing: the run's own final weights).

    The early stopping callback sees the real model but a stand-in trainer, so its request to
    stop is noted here instead of ending the run. The stop epoch's weights are copied when that
    epoch is over for every callback (at the next epoch's start), as the stopped run would end.
    """

    def __init__(self, es: EarlyStopping) -> None:
        self.es = es
        self.epochs_run: int | None = None
        self.steps_run = 0                  # optimizer steps of the stopped run
        self.weights: list[np.ndarray] | None = None
        self.seen = 0
        self._pending = False

    def set_trainer(self, trainer: TrainerLike) -> None:
        super().set_trainer(trainer)
        self.es.set_trainer(SimpleNamespace(model=trainer.model, stop_training=False))

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.es.on_train_begin(logs)
        self.es.fit_by.stop_training = False
        self.epochs_run, self.weights, self.seen, self._pending = None, None, 0, False
        self.steps_run = 0

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        del epoch, logs
        if self._pending:
            self._snapshot()

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.seen = epoch + 1
        if self.epochs_run is not None:
            return
        self.es.on_epoch_end(epoch, logs)
        self.steps_run = self.fit_by.step_count
        if self.es.fit_by.stop_training:
            self.epochs_run, self._pending = epoch + 1, True

    def on_train_end(self, logs: Logs | None = None) -> None:
        del logs
        if self._pending:                         # stopped at the run's last epoch
            self._snapshot()
        if self.epochs_run is None:               # never stopped: it ran the whole budget too
            self.epochs_run = self.seen
            if self.es.restore_best_weights and self.es.best_weights is not None:
                self.weights = self.es.best_weights

    def _snapshot(self) -> None:
        from ...train.callbacks import WeightAveraging

        self._pending = False
        es = self.es
        if es.restore_best_weights and es.best_weights is not None:
            self.weights = es.best_weights
            return
        # weight averaging leaves its average in the model when a run ends
        avg = next((cb for cb in self.fit_by.callbacks if isinstance(cb, WeightAveraging)), None)
        averaged = avg.averaged_weights() if avg is not None else None
        self.weights = averaged if averaged is not None else self.model.get_weights()


def budget_epochs(training: TrainingSection, batches_per_epoch: int) -> int:
    """The budget in logged epochs: ``epochs``, or the epochs ``steps`` optimizer steps take (the
    last one cut short) at ``batches_per_epoch``; with ``eval_every``, the number of evaluation
    periods of that many steps in the budget."""
    per = max(batches_per_epoch, 1)
    total = int(training["steps"]) if "steps" in training else int(training["epochs"]) * per
    if "eval_every" in training:
        return -(-total // int(training["eval_every"]))
    return int(training["epochs"]) if "steps" not in training else -(-total // per)


def _budget_callbacks(training: TrainingSection, callbacks: list[Callback]) -> Schedule | None:
    """The spec's step-wise schedule (returned) and its plateau schedule and weight averaging
    (appended to ``callbacks``)."""
    from ...train.callbacks import ReduceLROnPlateau
    from ...train.schedules import make_averaging, make_schedule

    schedule = None
    if "schedule" in training:
        made = make_schedule(training["schedule"])
        if isinstance(made, ReduceLROnPlateau):         # the plateau schedule: a callback
            callbacks.append(made)
        else:
            schedule = made
    if "averaging" in training:
        callbacks.append(make_averaging(training["averaging"]))
    return schedule


def best_epoch_index(history: dict[str, list[float]], es: EarlyStopping | None) -> int:
    """0-based best epoch: early stopping's own choice, else the epoch of the lowest val loss."""
    best = getattr(es, "best_epoch", None) if es is not None else None
    if best is not None and 0 <= int(best) < len(history["val_loss"]):
        return int(best)
    return int(np.argmin(history["val_loss"]))


def cell_metrics(h: dict[str, list[float]], final: dict[str, dict[str, float]], best: int,
                 epochs: int) -> dict[str, float]:
    """Scalar results of a cell from its per-epoch history and the final model's evaluations.

    The endpoints are free of selection: the final model (the restored best weights when early
    stopping restores them) is scored on the clean training subsample (eval mode, no augmentation,
    no dropout) and on test, which nothing selected on:

    * ``gap_accuracy`` = ``train_accuracy - test_accuracy`` and ``gap_loss`` = ``test_loss -
      train_loss`` (:func:`augfit.train.metrics.generalization_gap`; > 0 when the model overfits);
    * ``val_accuracy`` / ``val_loss`` are reported, never judged on (val chose the best epoch).

    From the per-epoch learning curves (train - val, the curves early stopping watches):

    * ``val_gap_accuracy_last`` / ``val_gap_loss_last``: at the last epoch trained (before any
      restore of the best weights);
    * ``val_gap_accuracy_best`` / ``val_gap_loss_best``: at the best epoch (``best_epoch``,
      1-based);
    * ``val_gap_accuracy_area`` / ``val_gap_loss_area``: the gap summed over a fixed ``epochs``
      epochs (the spec's budget), the last value carried forward when a run stopped early, so
      every method's area spans the same epochs.

    ``stopped_early``: fewer epochs than the budget ran (the under-trained check judges only the
    others' curves).

    ``diverged`` is true when a final loss is not finite or above ``DIVERGED_LOSS``.
    """
    out: dict[str, float] = {}
    for split in ("train", "val", "test"):
        out[f"{split}_accuracy"] = float(final[split]["accuracy"])
        out[f"{split}_loss"] = float(final[split]["loss"])
    out["gap_accuracy"] = generalization_gap(out["train_accuracy"], out["test_accuracy"],
                                             "accuracy")
    out["gap_loss"] = generalization_gap(out["train_loss"], out["test_loss"], "loss")
    for metric in ("accuracy", "loss"):
        curve = np.asarray(h[f"gap_{metric}"], dtype=float)
        out[f"val_gap_{metric}_last"] = float(curve[-1])
        out[f"val_gap_{metric}_best"] = float(curve[best])
        out[f"val_gap_{metric}_area"] = carried_area(curve, epochs)
    out["best_epoch"] = best + 1
    out["epochs_run"] = len(h["val_loss"])
    out["stopped_early"] = out["epochs_run"] < epochs
    ends = [out["train_loss"], out["test_loss"], out["val_loss"], h["loss"][-1]]
    out["diverged"] = bool(not all(np.isfinite(ends)) or max(ends) > DIVERGED_LOSS)
    return out


def carried_area(curve: np.ndarray, epochs: int) -> float:
    """Sum of a per-epoch curve over ``epochs`` epochs (one unit per epoch), its last value
    carried forward past the end (a run that stopped early keeps its final gap).

    >>> carried_area(np.array([0.1, 0.3]), 4)       # 0.1 + 0.3 + 0.3 + 0.3
    1.0
    """
    n = len(curve)
    if n == 0:
        raise ValueError("carried_area(curve=...): the curve has no epochs")
    return float(np.sum(curve[:epochs]) + max(epochs - n, 0) * curve[-1])


__all__ = [
    "LOADER",
    "MODEL",
    "SUBSAMPLE",
    "EpochRecorder",
    "ShadowStop",
    "best_epoch_index",
    "budget_epochs",
    "carried_area",
    "cell_metrics",
    "make_model",
    "max_splits",
    "run_cell",
    "run_cells",
    "run_group",
    "splits",
    "training_subset",
]
