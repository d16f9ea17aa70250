"""The cell's parts one at a time, by hand (found by make mutate: the cell group's mutants in
functions no selected test called, or called only through a comparison of two runs that share
them): the epoch budget, the carried area, the best epoch, the scalar metrics, the early stopping
a derived cell replays (ShadowStop), the clean per-epoch recorder, the optimizer and callbacks a
spec asks for, and a run_cell replayed step by step from the public pieces."""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from augfit.data.datasets import fingerprint, from_arrays, load
from augfit.data.loader import DataLoader
from augfit.errors import AugfitWarning, ConfigError, TrainingError
from augfit.experiments.run.cell import (
    LOADER,
    MODEL,
    SUBSAMPLE,
    EpochRecorder,
    ShadowStop,
    _budget_callbacks,
    _early_stopping,
    best_epoch_index,
    budget_epochs,
    carried_area,
    cell_metrics,
    make_optimizer,
    max_splits,
    run_cell,
    run_cells,
    run_group,
    splits,
    training_subset,
)
from augfit.experiments.run.data_source import install
from augfit.experiments.run.tasks import plan_tasks
from augfit.experiments.spec import parse_spec
from augfit.nn import MLP
from augfit.nn.optim import SGD, Adam
from augfit.numerics import NUMERICS_FLUSHED, NUMERICS_PLAIN, flushing_available
from augfit.registry import TRANSFORMS
from augfit.rng import derive, seed_from
from augfit.train.callbacks import Callback, EarlyStopping, ReduceLROnPlateau, WeightAveraging
from augfit.train.schedules import CosineSchedule, StepDecay
from augfit.train.trainer import DIVERGED_LOSS, Trainer
from augfit.transforms.base import Transform
from augfit.transforms.image import HorizontalFlip

# --- the epoch budget --------------------------------------------------------------------------


@pytest.mark.parametrize(("training", "batches", "epochs"), [
    ({"epochs": 7}, 5, 7),                          # epochs: as given, whatever the batches
    ({"epochs": 7}, 0, 7),
    ({"steps": 20}, 5, 4),                          # 20 steps of 5 batches: 4 whole epochs
    ({"steps": 23}, 5, 5),                          # the last one cut short still counts
    ({"steps": 21}, 5, 5),
    ({"steps": 3}, 0, 3),                           # no batches counts as one per epoch
    ({"steps": 3}, 1, 3),
    ({"epochs": 3, "eval_every": 4}, 5, 4),         # 15 steps in periods of 4: 4 periods
    ({"epochs": 4, "eval_every": 5}, 5, 4),         # 20 steps in periods of 5: exactly 4
    ({"epochs": 2, "eval_every": 3}, 0, 1),         # 2 steps (one per epoch) in one period of 3
    ({"steps": 10, "eval_every": 3}, 7, 4),         # steps and periods: the batches do not count
    ({"steps": 9, "eval_every": 3}, 7, 3),
])
def test_budget_epochs_by_hand(training, batches, epochs):
    assert budget_epochs(training, batches) == epochs


# --- the area under a gap curve, the last value carried forward --------------------------------


def test_carried_area_by_hand():
    assert carried_area(np.array([0.5, 0.25]), 4) == 0.5 + 0.25 * 3
    assert carried_area(np.array([0.5, 0.25]), 2) == 0.75             # nothing to carry
    assert carried_area(np.array([1.0, 2.0, 4.0]), 2) == 3.0          # longer than the budget
    assert carried_area(np.array([-1.0]), 3) == -3.0
    assert isinstance(carried_area(np.array([1.0]), 1), float)
    with pytest.raises(ValueError, match=r"^carried_area\(curve=\.\.\.\): the curve has no "
                                         r"epochs$"):
        carried_area(np.array([]), 3)


# --- the best epoch ----------------------------------------------------------------------------


class _Stopper:
    def __init__(self, best_epoch):
        self.best_epoch = best_epoch


@pytest.mark.parametrize(("es", "best"), [
    (None, 1),                         # no early stopping: the lowest val loss
    (_Stopper(None), 1),               # early stopping that never improved: the same
    (object(), 1),                     # something without a best epoch: the same
    (_Stopper(0), 0),                  # early stopping's own choice, even if not the lowest
    (_Stopper(3), 3),
    (_Stopper(np.int64(2)), 2),
    (_Stopper(4), 1),                  # out of the history (it cannot be): the lowest val loss
    (_Stopper(-1), 1),
])
def test_best_epoch_index_by_hand(es, best):
    h = {"val_loss": [0.9, 0.2, 0.5, 0.7]}
    out = best_epoch_index(h, es)
    assert out == best and type(out) is int


# --- the scalar metrics ------------------------------------------------------------------------


def _final(train_loss=0.25, test_loss=1.5, val_loss=1.0):
    return {"train": {"accuracy": 0.875, "loss": train_loss},
            "val": {"accuracy": 0.5, "loss": val_loss},
            "test": {"accuracy": 0.625, "loss": test_loss}}


H = {"loss": [2.0, 1.0, 0.5], "val_loss": [1.5, 1.0, 1.25],
     "gap_accuracy": [0.0, 0.25, 0.5], "gap_loss": [-0.5, 0.125, 1.0]}


def test_cell_metrics_by_hand():
    m = cell_metrics(H, _final(), 1, 5)
    assert m == {
        "train_accuracy": 0.875, "train_loss": 0.25,
        "val_accuracy": 0.5, "val_loss": 1.0,
        "test_accuracy": 0.625, "test_loss": 1.5,
        "gap_accuracy": 0.875 - 0.625,              # train - test: > 0 when it overfits
        "gap_loss": 1.5 - 0.25,                     # test - train
        "val_gap_accuracy_last": 0.5, "val_gap_loss_last": 1.0,
        "val_gap_accuracy_best": 0.25, "val_gap_loss_best": 0.125,
        "val_gap_accuracy_area": 0.0 + 0.25 + 0.5 * 3,   # 5 epochs, the last carried over 2
        "val_gap_loss_area": -0.5 + 0.125 + 1.0 * 3,
        "best_epoch": 2,                            # 1-based
        "epochs_run": 3, "stopped_early": True, "diverged": False,
    }
    assert all(type(m[k]) is float for k in m if k not in
               ("best_epoch", "epochs_run", "stopped_early", "diverged"))
    full = cell_metrics(H, _final(), 0, 3)
    assert full["stopped_early"] is False and full["best_epoch"] == 1
    assert full["val_gap_accuracy_best"] == 0.0 and full["val_gap_accuracy_area"] == 0.75


@pytest.mark.parametrize(("final", "last_loss", "diverged"), [
    (_final(), 0.5, False),
    (_final(), DIVERGED_LOSS, False),                      # at the limit: not diverged
    (_final(), DIVERGED_LOSS * 1.5, True),                 # the last training loss above it
    (_final(train_loss=DIVERGED_LOSS * 2), 0.5, True),
    (_final(test_loss=DIVERGED_LOSS * 2), 0.5, True),
    (_final(val_loss=DIVERGED_LOSS * 2), 0.5, True),
    (_final(train_loss=math.nan), 0.5, True),
    (_final(test_loss=math.inf), 0.5, True),
    (_final(val_loss=math.nan), 0.5, True),
    (_final(), math.nan, True),
])
def test_cell_metrics_diverged(final, last_loss, diverged):
    h = dict(H, loss=[2.0, 1.0, last_loss])
    assert cell_metrics(h, final, 1, 3)["diverged"] is diverged


# --- the early stopping a method asks for ------------------------------------------------------


def test_early_stopping_from_a_method_section():
    es = _early_stopping({"monitor": "val_loss", "min_delta": 0.125, "patience": 3,
                          "restore_best_weights": True, "start_from_epoch": 2})
    assert isinstance(es, EarlyStopping)
    assert (es.monitor, es.mode, es.min_delta, es.patience, es.restore_best_weights,
            es.start_from_epoch, es.baseline) == ("val_loss", "min", 0.125, 3, True, 2, None)
    es = _early_stopping({"monitor": "val_accuracy", "min_delta": 0.0, "patience": 1,
                          "restore_best_weights": False, "start_from_epoch": 0})
    assert (es.monitor, es.mode, es.patience, es.restore_best_weights) == \
        ("val_accuracy", "max", 1, False)
    with pytest.raises(ValueError, match=r"^a derived cell's method has no early_stopping$"):
        _early_stopping(None)


# --- the optimizer, schedule and averaging a spec asks for -------------------------------------


def _spec(**training):
    return parse_spec({"name": "units", "dataset": {"name": "digits"}, "train_sizes": [60],
                       "training": training,
                       "methods": ["baseline",
                                   {"name": "wd", "weight_decay": 0.25, "decay_bias": True},
                                   {"name": "wd_nobias", "weight_decay": 0.5}]})


def test_make_optimizer_takes_the_training_section_or_the_methods_decay():
    spec = _spec(optimizer="sgd", lr=0.125, weight_decay=0.0625)
    for method in (None, spec.method("baseline")):
        opt = make_optimizer(spec, method)
        assert type(opt) is SGD
        # the training section's decay is the optimizer's own, biases included (its default)
        assert (opt.lr, opt.weight_decay, opt.decay_bias) == (0.125, 0.0625, True)
    opt = make_optimizer(spec, spec.method("wd"))
    assert type(opt) is SGD and (opt.lr, opt.weight_decay, opt.decay_bias) == (0.125, 0.25, True)
    opt = make_optimizer(spec, spec.method("wd_nobias"))
    assert (opt.lr, opt.weight_decay, opt.decay_bias) == (0.125, 0.5, False)
    adam = make_optimizer(_spec(lr=0.03125))
    assert type(adam) is Adam and (adam.lr, adam.weight_decay) == (0.03125, 0.0)


def test_budget_callbacks_return_a_step_schedule_and_append_the_others():
    callbacks: list = ["kept"]
    assert _budget_callbacks({"epochs": 3}, callbacks) is None and callbacks == ["kept"]
    t = _spec(epochs=8, schedule={"type": "cosine", "warmup": 0.25},
              averaging={"type": "swa", "start": 0.5}).training
    callbacks = ["kept"]
    schedule = _budget_callbacks(t, callbacks)
    assert type(schedule) is CosineSchedule and schedule.warmup == 0.25
    assert callbacks[0] == "kept" and len(callbacks) == 2
    assert type(callbacks[1]) is WeightAveraging
    assert (callbacks[1].kind, callbacks[1].start) == ("swa", 0.5)
    t = _spec(schedule={"type": "step", "every": 2, "factor": 0.25}).training
    callbacks = []
    assert type(_budget_callbacks(t, callbacks)) is StepDecay and callbacks == []
    t = _spec(schedule={"type": "plateau", "patience": 2, "monitor": "val_accuracy"},
              averaging={"type": "ema", "decay": 0.5}).training
    callbacks = []
    assert _budget_callbacks(t, callbacks) is None
    assert [type(c) for c in callbacks] == [ReduceLROnPlateau, WeightAveraging]
    assert (callbacks[0].patience, callbacks[0].mode) == (2, "max")
    assert (callbacks[1].kind, callbacks[1].decay) == ("ema", 0.5)


# --- the clean per-epoch recorder --------------------------------------------------------------


def _trainer(callbacks=()):
    model = MLP(4, [3], 2, seed=0)
    return Trainer(model, optimizer=SGD(lr=0.5), callbacks=list(callbacks))


def test_epoch_recorder_adds_a_clean_evaluation_to_each_epochs_logs():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(10, 4)).astype(np.float32), np.arange(10) % 2
    rec = EpochRecorder(x, y)
    trainer = _trainer([rec])
    rec.set_trainer(trainer)
    assert rec.history == {k: [] for k in EpochRecorder.keys}
    rec.history["loss"].append(9.0)
    rec.on_train_begin()
    assert rec.history == {k: [] for k in EpochRecorder.keys}        # a new fit starts afresh
    clean = [trainer.evaluate(x, y)]
    rec.on_epoch_end(0, {"loss": 1.5, "accuracy": 0.25, "val_loss": 2.5, "val_accuracy": 0.75})
    trainer.model.set_weights([w * 2 for w in trainer.model.get_weights()])
    clean.append(trainer.evaluate(x, y))
    rec.on_epoch_end(1, {"loss": 1, "accuracy": 0.5, "val_loss": 2, "val_accuracy": 0.5,
                         "extra": 7.0})
    assert rec.history == {
        "loss": [1.5, 1.0], "accuracy": [0.25, 0.5], "val_loss": [2.5, 2.0],
        "val_accuracy": [0.75, 0.5],
        "train_loss": [clean[0]["loss"], clean[1]["loss"]],
        "train_accuracy": [clean[0]["accuracy"], clean[1]["accuracy"]]}
    assert clean[0] != clean[1]
    assert all(type(v) is float for vs in rec.history.values() for v in vs)
    with pytest.raises(KeyError):                     # no logs: the keys are missing
        rec.on_epoch_end(2)



def test_epoch_recorder_with_passes_records_each_pass_and_evaluates_a_step_once():
    """With ``passes``: after each pass over the data the step, val and the clean train there;
    an epoch that ends at the step of the last pass reuses that pass's clean evaluation."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(10, 4)).astype(np.float32), np.arange(10) % 2
    rec = EpochRecorder(x, y, passes=True)
    trainer = _trainer([rec])
    rec.set_trainer(trainer)
    names = EpochRecorder.keys + EpochRecorder.pass_keys
    assert rec.history == {k: [] for k in names}
    calls = []
    evaluate = trainer.evaluate
    trainer.evaluate = lambda *a: calls.append(1) or evaluate(*a)
    rec.on_train_begin()
    assert rec.history == {k: [] for k in names}
    trainer.step_count = 4
    clean = evaluate(x, y)
    rec.on_pass_end(0, {"step": 4, "val_loss": 2.5, "val_accuracy": 0.75, "loss": 9.0})
    assert len(calls) == 1
    rec.on_epoch_end(0, {"loss": 1.5, "accuracy": 0.25, "val_loss": 2.5, "val_accuracy": 0.75})
    assert len(calls) == 1                            # the same step: evaluated once
    trainer.model.set_weights([w * 2 for w in trainer.model.get_weights()])
    trainer.step_count = 6
    later = evaluate(x, y)
    rec.on_epoch_end(1, {"loss": 1, "accuracy": 0.5, "val_loss": 2, "val_accuracy": 0.5})
    assert len(calls) == 2 and later != clean
    assert rec.history == {
        "loss": [1.5, 1.0], "accuracy": [0.25, 0.5], "val_loss": [2.5, 2.0],
        "val_accuracy": [0.75, 0.5],
        "train_loss": [clean["loss"], later["loss"]],
        "train_accuracy": [clean["accuracy"], later["accuracy"]],
        "pass_step": [4.0], "pass_val_loss": [2.5], "pass_val_accuracy": [0.75],
        "pass_train_loss": [clean["loss"]], "pass_train_accuracy": [clean["accuracy"]]}
    assert all(type(v) is float for vs in rec.history.values() for v in vs)
    rec.on_train_begin()                              # a new fit forgets the last evaluation
    assert rec.history == {k: [] for k in names}
    rec.on_epoch_end(0, {"loss": 1, "accuracy": 0.5, "val_loss": 2, "val_accuracy": 0.5})
    assert len(calls) == 3
    fresh = EpochRecorder(x, y, passes=True)          # straight from its constructor
    fresh.set_trainer(trainer)
    fresh.on_epoch_end(0, {"loss": 1, "accuracy": 0.5, "val_loss": 2, "val_accuracy": 0.5})
    assert len(calls) == 4 and fresh.history["train_loss"] == [later["loss"]]

# --- ShadowStop: the early stopping a derived cell replays -------------------------------------


def _shadow(callbacks=(), **es):
    shadow = ShadowStop(EarlyStopping(**es))
    trainer = _trainer([shadow, *callbacks])
    for cb in trainer.callbacks:
        cb.set_trainer(trainer)
    return shadow, trainer


def _epochs(shadow, trainer, val_losses, first=0):
    """Drive ``shadow`` through epochs with these val losses; before epoch e the model's weights
    are all e (so a snapshot says which epoch's weights it holds)."""
    for e, v in enumerate(val_losses, first):
        shadow.on_epoch_begin(e)
        trainer.model.set_weights([np.full_like(w, e) for w in trainer.model.get_weights()])
        shadow.on_epoch_end(e, {"val_loss": v})


def _epoch_of(weights):
    values = {float(v) for w in weights for v in np.unique(w)}
    assert len(values) == 1
    return values.pop()


def test_shadow_stop_starts_with_nothing_recorded_and_a_stand_in_trainer_that_runs():
    shadow = ShadowStop(EarlyStopping())
    assert (shadow.epochs_run, shadow.weights, shadow.seen) == (None, None, 0)
    trainer = _trainer([shadow])
    shadow.set_trainer(trainer)
    assert shadow.trainer is trainer and shadow.es.trainer.model is trainer.model
    assert shadow.es.trainer.stop_training is False


def test_shadow_stop_notes_the_stop_epoch_and_its_weights_without_stopping_the_run():
    shadow, trainer = _shadow(patience=1)
    shadow.on_train_begin()
    assert (shadow.epochs_run, shadow.weights, shadow.seen) == (None, None, 0)
    # epoch 0 improves, epoch 1 does not: it would stop after epoch 1, with epoch 1's weights
    _epochs(shadow, trainer, [1.0, 2.0])
    assert trainer.stop_training is False and shadow.es.trainer.stop_training is True
    assert shadow.es.trainer is not trainer and shadow.es.trainer.model is trainer.model
    assert (shadow.epochs_run, shadow.seen, shadow.weights) == (2, 2, None)   # not yet copied
    # the copy is taken when epoch 1 is over for every callback: at the next epoch's start
    _epochs(shadow, trainer, [0.5, 0.25], first=2)    # later epochs change nothing
    assert (shadow.epochs_run, shadow.seen, _epoch_of(shadow.weights)) == (2, 4, 1.0)
    assert shadow.es.best_epoch == 0 and shadow.es.stopped_epoch == 1   # nor reach the stopper
    shadow.on_train_end()
    assert (shadow.epochs_run, _epoch_of(shadow.weights)) == (2, 1.0)
    # a second fit starts afresh
    shadow.on_train_begin()
    assert (shadow.epochs_run, shadow.weights, shadow.seen) == (None, None, 0)
    assert shadow.es.trainer.stop_training is False and shadow.es.best_epoch is None


def test_shadow_stop_with_restored_weights_keeps_the_best_epochs():
    shadow, trainer = _shadow(patience=2, restore_best_weights=True)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 0.5, 0.75, 0.875, 0.125])    # best epoch 1, stops after 3
    assert shadow.epochs_run == 4 and _epoch_of(shadow.weights) == 1.0
    shadow.on_train_end()
    assert shadow.epochs_run == 4 and _epoch_of(shadow.weights) == 1.0
    # no epoch beat the baseline: nothing to restore, the stop epoch's weights
    shadow, trainer = _shadow(patience=2, restore_best_weights=True, baseline=0.0)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 0.5, 0.25])
    assert shadow.epochs_run == 2 and shadow.es.best_weights is None
    assert _epoch_of(shadow.weights) == 1.0


def test_shadow_stop_at_the_last_epoch_takes_its_weights_at_the_end():
    shadow, trainer = _shadow(patience=1)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 2.0])
    assert shadow.weights is None
    shadow.on_train_end()
    assert shadow.epochs_run == 2 and _epoch_of(shadow.weights) == 1.0
    shadow.on_train_end()                                # taken once
    assert _epoch_of(shadow.weights) == 1.0


def test_shadow_stop_that_never_stops_ran_the_whole_budget():
    shadow, trainer = _shadow(patience=5)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 0.5, 0.75])
    shadow.on_train_end()
    assert (shadow.epochs_run, shadow.weights) == (3, None)      # the run's own final weights
    shadow, trainer = _shadow(patience=5, restore_best_weights=True)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 0.5, 0.75])
    shadow.on_train_end()
    assert shadow.epochs_run == 3 and _epoch_of(shadow.weights) == 1.0
    # restore_best_weights but no epoch improved on the baseline: nothing to restore
    shadow, trainer = _shadow(patience=5, restore_best_weights=True, baseline=0.0)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 0.5])
    shadow.on_train_end()
    assert (shadow.epochs_run, shadow.weights) == (2, None)


def test_shadow_stop_under_weight_averaging_keeps_the_average_and_leaves_the_model():
    avg = WeightAveraging("swa", start=0.0)
    shadow, trainer = _shadow([avg], patience=1)
    trainer.params = {"epochs": 10}
    shadow.on_train_begin()
    avg.on_train_begin()
    for e, v in enumerate([1.0, 2.0, 3.0]):
        shadow.on_epoch_begin(e)
        trainer.model.set_weights([np.full_like(w, e) for w in trainer.model.get_weights()])
        shadow.on_epoch_end(e, {"val_loss": v})
        avg.on_epoch_end(e)
    # stopped after epoch 1: the average of epochs 0 and 1, taken at epoch 2's start
    assert shadow.epochs_run == 2 and _epoch_of(shadow.weights) == 0.5
    assert _epoch_of(trainer.model.get_weights()) == 2.0
    # restore_best_weights wins over an average (a spec cannot ask for both)
    shadow, trainer = _shadow([WeightAveraging("swa", start=0.0)], patience=1,
                              restore_best_weights=True)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 2.0, 3.0])
    assert _epoch_of(shadow.weights) == 0.0
    # an average with nothing averaged yet: the model's own weights
    shadow, trainer = _shadow([WeightAveraging("ema")], patience=1)
    shadow.on_train_begin()
    _epochs(shadow, trainer, [1.0, 2.0, 3.0])
    assert _epoch_of(shadow.weights) == 1.0


# --- run_group's argument check ----------------------------------------------------------------


def test_run_group_refuses_cells_of_two_rows():
    spec = parse_spec({"name": "g", "dataset": {"name": "digits"}, "train_sizes": [30, 60],
                       "methods": ["baseline", {"name": "drop", "dropout": 0.5}]})
    cells = {(c.method, c.train_size): c for c in spec.cells()}
    with pytest.raises(ValueError, match=r"^run_group\(units=\.\.\.\): a group holds cells of "
                                         r"one method and training size, got \[\('baseline', "
                                         r"30\), \('drop', 30\)\]$"):
        run_group(spec, [(cells[("drop", 30)], ()), (cells[("baseline", 30)], ())])
    with pytest.raises(ValueError, match=r"got \[\('baseline', 30\), \('baseline', 60\)\]$"):
        run_group(spec, [(cells[("baseline", 60)], ()), (cells[("baseline", 30)], ())])


# --- run_cell replayed by hand from the public pieces ------------------------------------------


class _Clean(Callback):
    """The training subsample evaluated in eval mode after every epoch."""

    def __init__(self, x, y):
        self.x, self.y, self.loss, self.accuracy = x, y, [], []

    def on_epoch_end(self, epoch, logs=None):
        del epoch, logs
        r = self.trainer.evaluate(self.x, self.y)
        self.loss.append(r["loss"])
        self.accuracy.append(r["accuracy"])


REPLAY = {
    "name": "replay", "dataset": {"name": "digits", "split": {"seed": 3}},
    "model": {"hidden": [12], "activation": "tanh"},
    "training": {"epochs": 6, "batch_size": 16, "lr": 0.02, "loss": "cross_entropy",
                 "schedule": {"type": "cosine", "warmup": 0.25}},
    "seeds": 2, "train_sizes": [50],
    "methods": ["baseline",
                {"name": "all", "augment": [{"type": "Rotate", "limit": 20}], "dropout": 0.25,
                 "label_smoothing": 0.125, "weight_decay": 0.0625,
                 "early_stopping": {"patience": 1, "min_delta": 0.1,
                                    "restore_best_weights": True}}],
}


@pytest.mark.parametrize("method", ["baseline", "all"])
def test_run_cell_is_the_documented_pipeline_replayed_by_hand(method):
    """Split 0 of the dataset, the subsample, the initial weights and the loader's order drawn
    from the cell's seed with the documented child keys, the method's augmentation, dropout,
    label smoothing and weight decay, the spec's schedule, early stopping restoring the best
    epoch: every stored number is this pipeline's, bit for bit."""
    spec = parse_spec(REPLAY)
    cell = next(c for c in spec.cells() if c.method == method and c.seed == 1)
    m = spec.method(method)
    ds = load("digits")
    train, val, test = ds.split(val=0.2, test=0.2, seed=3, stratify=True)
    sub = train.subsample(n=50, seed=derive(1, SUBSAMPLE, 0, 50))
    augment = Transform.from_dict(m.augment) if m.augment else None
    loader = DataLoader(sub, batch_size=16, shuffle=True, augment=augment, features="auto",
                        seed=seed_from(derive(1, LOADER, 0, 50)))
    model = MLP(loader.n_features, [12], 10, activation="tanh", dropout=m.dropout,
                seed=np.random.SeedSequence(1, spawn_key=(MODEL, 0, 50)))
    optimizer = (Adam(lr=0.02, weight_decay=0.0625, decay_bias=False) if method == "all"
                 else Adam(lr=0.02))
    x_train = loader.featurize(sub.x)
    clean = _Clean(x_train, sub.y)
    es = EarlyStopping(patience=1, min_delta=0.1, restore_best_weights=True)
    trainer = Trainer(model, optimizer=optimizer, callbacks=[clean, *([es] * (method == "all"))],
                      label_smoothing=m.label_smoothing, schedule=CosineSchedule(warmup=0.25))
    with threadpool_limits(limits=1):
        h = trainer.fit(loader, val=val, epochs=6).history
        r = run_cell(spec, cell)
        correct, losses = trainer.evaluate_per_example(loader.featurize(test.x), test.y)
        final = {"train": trainer.evaluate(x_train, sub.y),
                 "val": trainer.evaluate(loader.featurize(val.x), val.y)}
    assert (r.method, r.split, r.seed, r.train_size, r.key) == (method, 0, 1, 50, cell.key)
    assert r.numerics == NUMERICS_PLAIN and r.wall_time > 0
    assert r.warnings == tuple(trainer.diagnostics)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert r.history[k] == h[k], k
    assert r.history["train_loss"] == clean.loss
    assert r.history["train_accuracy"] == clean.accuracy
    assert r.history["gap_accuracy"] == list(np.subtract(clean.accuracy, h["val_accuracy"]))
    assert r.history["gap_loss"] == list(np.subtract(h["val_loss"], clean.loss))
    assert r.test_correct.tobytes() == correct.tobytes()
    assert r.test_loss_per_example.tobytes() == losses.astype(np.float32).tobytes()
    assert (r.train_accuracy, r.train_loss) == (final["train"]["accuracy"], final["train"]["loss"])
    assert (r.val_accuracy, r.val_loss) == (final["val"]["accuracy"], final["val"]["loss"])
    assert r.test_accuracy == float(np.mean(correct))
    assert r.test_loss == float(np.mean(losses, dtype=np.float64))
    assert r.epochs_run == len(h["val_loss"])
    best = es.best_epoch if method == "all" else int(np.argmin(h["val_loss"]))
    assert r.best_epoch == best + 1
    if method == "all":          # the pipeline stopped early and restored an earlier epoch
        assert r.stopped_early and r.epochs_run < 6 and best < r.epochs_run - 1
        assert r.val_loss == h["val_loss"][best]
    else:
        assert not r.stopped_early and r.epochs_run == 6


# --- run_group: one stack for a row's units ----------------------------------------------------


class WarnFlip(HorizontalFlip):
    """A flip that warns (a user's transform may): the warning must reach the caller."""

    def apply(self, batch, params):
        warnings.warn("WarnFlip was applied", UserWarning, stacklevel=2)
        return super().apply(batch, params)


class _Spy(Callback):
    """Notes each epoch it sees and the BLAS threads in use then."""

    def __init__(self):
        self.epochs, self.threads, self.losses = [], set(), []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        self.losses.append(logs["loss"])
        self.threads |= {i["num_threads"] for i in threadpool_info()}


def _noise(seed, n=90):
    """Noise images in 3 classes of distinct brightness (data no other test installs)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = np.clip(rng.normal(60 + 60 * y[:, None, None], 40, (n, 6, 6)), 0, 255).astype(np.uint8)
    return from_arrays(x, y, modality="image")


def _stored(r):
    return (r.metrics() | {"wall_time": None}, r.history, r.numerics, r.warnings,
            r.test_correct.tobytes(), r.test_loss_per_example.tobytes())


GROUP = {"model": {"hidden": [8]}, "training": {"epochs": 3, "batch_size": 16, "lr": 0.05},
         "splits": 3, "seeds": 1, "train_sizes": [30],
         "methods": ["baseline",
                     # differs from baseline only by early stopping: rides on its run
                     {"name": "es", "early_stopping": {"patience": 1, "min_delta": 0.5}},
                     {"name": "es_never", "early_stopping": {"patience": 50,
                                                             "restore_best_weights": False}},
                     {"name": "warn", "augment": [{"type": "WarnFlip", "p": 1.0}]},
                     # lr 10 with SGD: the model learns nothing, a training diagnostic
                     {"name": "stuck", "weight_decay": 0.0}]}


def _in_memory(spec, fp):
    return parse_spec(dict(spec, dataset={"name": "data", "fingerprint": fp}))


@pytest.fixture
def group_spec():
    TRANSFORMS.register("WarnFlip")(WarnFlip)
    data = _noise(20261207)
    yield _in_memory(GROUP, fingerprint(data, {})), data
    TRANSFORMS._items.pop("WarnFlip")


def _units(spec, method):
    return [(t.cell, t.derived) for t in plan_tasks(spec, spec.cells()) if t.cell.method == method]


def _alone(spec, units, flush=False):
    """What run_cells gives for each unit, in run_group's order."""
    return [(c, _stored(r)) for u in units for c, r in run_cells(spec, *u, flush=flush)]


class _FailAt(Callback):
    def on_epoch_end(self, epoch, logs=None):
        del logs
        if epoch == 1:
            raise TrainingError("planted failure")


FLUSHED = NUMERICS_FLUSHED if flushing_available() else NUMERICS_PLAIN


def test_run_group_trains_the_units_as_one_stack():
    """Shipped as a worker gets it (canonical dict, data alongside; data no other test loads, so
    nothing is cached or installed before): each cell stores what run_cells stores for its unit;
    the trained cells share the group's time equally (one stack) and the wall times add up to no
    more than the call took; BLAS runs one thread; the epoch callback goes to the first cell
    only."""
    data = _noise(20261209)
    spec = _in_memory(dict(GROUP, methods=GROUP["methods"][:3]), fingerprint(data, {}))
    units = _units(spec, "baseline")[:2]               # a group of two is stacked too
    assert all(len(d) == 2 for _, d in units)
    spy = _Spy()
    t0 = time.perf_counter()
    got = run_group(spec.to_canonical(), units, epoch_callback=spy, data=data, flush=True)
    elapsed = time.perf_counter() - t0
    assert [(c, _stored(r)) for c, r in got] == _alone(spec, units, flush=True)
    assert {r.numerics for _, r in got} == {FLUSHED}
    trained = [r.wall_time for c, r in got if c.method == "baseline"]
    assert len(set(trained)) == 1 and trained[0] > 0
    assert sum(r.wall_time for _, r in got) <= elapsed
    assert spy.epochs == [0, 1, 2] and spy.threads == {1}
    assert spy.losses == got[0][1].history["loss"] != got[3][1].history["loss"]
    # a derived cell is what training it directly gives (its wall time aside)
    for c, r in got[1:3]:
        assert _stored(r) == _stored(run_cell(spec, c, flush=True))


def test_run_group_a_failed_unit_fails_alone_and_its_rider_trains_by_itself(group_spec):
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    units = _units(spec, "baseline")[:2]
    got = run_group(spec, units, epoch_callback=_FailAt(), flush=True)
    assert [c for c, _ in got] == [c for u in units for c in (u[0], *u[1])]
    assert isinstance(got[0][1], TrainingError) and str(got[0][1]) == "planted failure"
    assert [(c, _stored(r)) for c, r in got[1:]] == \
        _alone(spec, [(d, ()) for d in units[0][1]], flush=True) + \
        _alone(spec, units[1:], flush=True)
    assert {r.numerics for _, r in got[1:]} == {FLUSHED}


def test_run_group_trains_what_cannot_share_a_stack_one_by_one():
    """Sparse text features, or a single unit: run_cells on each unit."""
    words = ["good", "fine", "great", "bad", "poor", "awful"]
    rng = np.random.default_rng(5)
    y = np.arange(90) % 2
    text = [" ".join(rng.choice(words[3 * k:3 * k + 3], 4)) for k in y]
    data = from_arrays(text, y, modality="text")
    spec = _in_memory(dict(GROUP, methods=GROUP["methods"][:3],
                           features={"type": "text_hashing", "n_features": 64}),
                      fingerprint(data, {}))
    install(spec.dataset["fingerprint"], data)
    units = _units(spec, "baseline")
    spy = _Spy()
    got = run_group(spec, units, epoch_callback=spy, flush=True)
    alone = _alone(spec, units, flush=True)
    assert [(c, _stored(r)) for c, r in got] == alone
    assert {r.numerics for _, r in got} == {FLUSHED}
    assert spy.epochs == [0, 1, 2]                      # the first cell only
    assert spy.losses == got[0][1].history["loss"] != got[3][1].history["loss"]
    assert len(units) == 3 and len(alone) == 9
    got = run_group(spec, units[2:], flush=True)          # one unit
    assert [(c, _stored(r)) for c, r in got] == alone[6:]


def test_run_group_passes_a_users_warning_and_holds_the_diagnostics(group_spec):
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    units = [(c, ()) for c in spec.cells() if c.method == "warn"]
    with pytest.warns(UserWarning, match="WarnFlip was applied"):
        got = run_group(spec, units)
    assert [c for c, _ in got] == [c for c, _ in units]
    stuck = _in_memory(dict(GROUP, training=dict(GROUP["training"], lr=10.0, optimizer="sgd")),
                       spec.dataset["fingerprint"])
    units = [(c, ()) for c in stuck.cells() if c.method == "stuck"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", AugfitWarning)       # reported later, by the executor
        got = run_group(stuck, units)
    assert [c for c, _ in got] == [c for c, _ in units]
    assert any(w.startswith("the model learned nothing") for _, r in got for w in r.warnings)


# --- how many distinct splits the data allow ---------------------------------------------------


def _counted(split, groups=None, official=None, source="specs/count.yaml"):
    """max_splits of 8 images in 2 classes of 4 (in-memory data, ``split`` as in a spec)."""
    meta = {} if official is None else {"official_test": official}
    data = from_arrays(np.arange(8 * 4, dtype=np.uint8).reshape(8, 2, 2), np.arange(8) % 2,
                       modality="image", meta=meta, groups=groups)
    fp = fingerprint(data, {})
    install(fp, data)
    spec = parse_spec({"dataset": {"name": "data", "fingerprint": fp, "split": split},
                       "train_sizes": [2], "methods": ["baseline"]}, source=source)
    return max_splits(spec)


def test_max_splits_by_hand():
    # stratified: each class deals 1 test, 1 val, 2 train of its 4: (4! / (1! 1! 2!))^2
    assert _counted({"val": 0.25, "test": 0.25}) == 12 ** 2
    # one deal of all 8: 8! / (2! 2! 4!)
    assert _counted({"val": 0.25, "test": 0.25, "stratify": False}) == 420
    # whole groups: 4 groups of 2 give 1 test, 1 val, 2 train groups: 4! / (1! 1! 2!)
    groups = np.repeat(np.arange(4), 2)
    assert _counted({"val": 0.25, "test": 0.25, "by_group": True}, groups=groups) == 12
    # the official test set (the last 2 samples, one of each class) is fixed: val varies only,
    # 1 of each class's 3 remaining samples: 3 * 3
    official = np.arange(8) >= 6
    assert _counted({"val": 0.34, "test": "official"}, official=official) == 9
    assert _counted({"val": 0.34, "test": "official", "stratify": False}, official=official) == 15
    with pytest.raises(ConfigError, match=r"^specs/count\.yaml: dataset\.split\.test: "
                                          r"\"official\": dataset 'data' with options \{\} has "
                                          r"no official test set \(its loader gives no "
                                          r"meta\['official_test'\]\); use a fraction such as "
                                          r"0\.2, or load both official parts \(e\.g\. "
                                          r"fashion_mnist with options \{split: all\}\)$"):
        _counted({"val": 0.34, "test": "official"})
    spec = parse_spec({"dataset": {"name": "data", "fingerprint": "0" * 64}, "train_sizes": [2],
                       "methods": ["baseline"]}, source="specs/lost.yaml")
    with pytest.raises(ConfigError, match=r"^specs/lost\.yaml: dataset: the data was passed in "
                                          r"memory \(data=\.\.\.\) and is not loaded"):
        max_splits(spec)



def test_splits_default_to_split_0_and_name_the_spec_in_their_errors():
    data = from_arrays(np.arange(8 * 4, dtype=np.uint8).reshape(8, 2, 2), np.arange(8) % 2,
                       modality="image")
    fp = fingerprint(data, {"n": 8})
    install(fp, data)
    spec = parse_spec({"dataset": {"name": "data", "fingerprint": fp,
                                   "split": {"val": 0.25, "test": 0.25}},
                       "train_sizes": [2], "methods": ["baseline"]}, source="specs/eight.yaml")
    first, second = splits(spec), splits(spec, 1)
    assert [d.x.tobytes() for d in first] == [d.x.tobytes() for d in splits(spec, 0)]
    assert [d.x.tobytes() for d in first] != [d.x.tobytes() for d in second]
    official = parse_spec(dict(spec.to_canonical(), dataset=dict(
        spec.to_canonical()["dataset"], split={"val": 0.25, "test": "official"})),
        source="specs/eight.yaml")
    with pytest.raises(ConfigError, match=r"^specs/eight\.yaml: dataset\.split\.test: "
                                          r"\"official\": dataset 'data' .* has no official"):
        splits(official)

def test_run_cell_takes_its_data_and_an_epoch_callback_along():
    data = _noise(20261208)
    spec = _in_memory(dict(GROUP, methods=["baseline"]), fingerprint(data, {}))
    spy = _Spy()
    r = run_cell(spec.to_canonical(), spec.cells()[2], epoch_callback=spy, data=data)
    assert spy.epochs == [0, 1, 2] and spy.threads == {1}
    assert (r.split, len(r.history["loss"])) == (2, 3)
    assert _stored(r) == _stored(run_cell(spec, spec.cells()[2]))


def test_run_cells_wall_times_add_up_to_no_more_than_the_call(group_spec):
    """The trained cell has the time its riders' evaluations did not take: the parts add up to
    the time inside run_cells, never more (a rider counted twice, or the trained cell's time
    given to a rider, would)."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    (cell, derived), = _units(spec, "baseline")[:1]
    t0 = time.perf_counter()
    got = run_cells(spec, cell, derived)
    elapsed = time.perf_counter() - t0
    assert [c for c, _ in got] == [cell, *derived]
    assert all(r.wall_time > 0 for _, r in got)
    assert sum(r.wall_time for _, r in got) <= elapsed


def test_run_group_trains_units_whose_batches_differ_in_number_one_by_one():
    """Whole groups dealt into the splits, and class 2 lives in one group only: where that group
    is held out, one per class is 2 samples (1 batch of 2), elsewhere 3 (2 batches)."""
    groups = np.repeat(np.arange(8), 3)
    y = np.array([0, 1, 0] * 7 + [2, 2, 2])
    x = np.random.default_rng(0).integers(0, 255, (24, 4, 4)).astype(np.uint8)
    data = from_arrays(x, y, modality="image", groups=groups)
    fp = fingerprint(data, {})
    install(fp, data)
    spec = parse_spec(dict(GROUP, methods=["baseline"], splits=4, train_sizes=[1],
                           train_size_unit="per_class",
                           training=dict(GROUP["training"], batch_size=2),
                           dataset={"name": "data", "fingerprint": fp,
                                    "split": {"by_group": True, "val": 0.125, "test": 0.125,
                                              "seed": 1}}))
    units = [u for u in _units(spec, "baseline") if u[0].split in (0, 2)]
    assert [len(training_subset(spec, splits(spec, c.split)[0], c)) for c, _ in units] == [3, 2]
    got = run_group(spec, units)
    assert [(c, _stored(r)) for c, r in got] == _alone(spec, units)


def test_a_rider_that_learned_nothing_carries_the_diagnostic_its_own_training_gives(group_spec):
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    stuck = _in_memory(dict(GROUP, training=dict(GROUP["training"], lr=10.0, optimizer="sgd"),
                            methods=[*GROUP["methods"],
                                     {"name": "stuck_es", "weight_decay": 0.0,
                                      "early_stopping": {"patience": 50,
                                                         "restore_best_weights": False}}]),
                       spec.dataset["fingerprint"])
    (cell, derived), = [u for u in _units(stuck, "stuck") if u[0].split == 0]
    got = run_cells(stuck, cell, derived)
    rider = got[1][1]
    assert got[1][0].method == "stuck_es" and rider.epochs_run == 3
    assert rider.warnings[0].startswith("the model learned nothing: after all 3 epochs")
    assert rider.warnings == run_cell(stuck, got[1][0]).warnings


def test_a_rider_whose_loss_diverged_finitely_carries_that_diagnostic(group_spec):
    """SGD at lr 3 on the squared error: the loss passes DIVERGED_LOSS and stays finite; the
    rider (it never stops, so it is the whole run) is diagnosed from its own losses."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    wild = _in_memory(dict(GROUP, training=dict(GROUP["training"], lr=3.0, optimizer="sgd",
                                                loss="mse"),
                           methods=["baseline", GROUP["methods"][2]]),
                      spec.dataset["fingerprint"])
    (cell, derived), = [u for u in _units(wild, "baseline") if u[0].split == 0]
    got = run_cells(wild, cell, derived)
    trained, rider = got[0][1], got[1][1]
    assert got[1][0].method == "es_never" and rider.epochs_run == 3
    assert DIVERGED_LOSS < max(rider.history["loss"]) < math.inf
    assert rider.warnings[0].startswith("training diverged: the loss reached ")
    assert rider.warnings == trained.warnings == run_cell(wild, got[1][0]).warnings


def test_run_cells_a_failed_run_trains_its_riders_alone_as_it_was_asked(group_spec):
    """Flushed and with every pass evaluated, as the failed run was asked to."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    every = _in_memory(dict(GROUP, training=dict(GROUP["training"], eval_every=3),
                            methods=GROUP["methods"][:3]), spec.dataset["fingerprint"])
    (cell, derived), = [u for u in _units(every, "baseline") if u[0].split == 1]
    got = run_cells(every, cell, derived, _FailAt(), flush=True, passes=True)
    assert [c for c, _ in got] == [cell, *derived]
    assert isinstance(got[0][1], TrainingError) and str(got[0][1]) == "planted failure"
    alone = [(d, _stored(r)) for d in derived
             for _, r in run_cells(every, d, (), flush=True, passes=True)]
    assert [(c, _stored(r)) for c, r in got[1:]] == alone
    assert {r.numerics for _, r in got[1:]} == {FLUSHED}
    assert all("pass_val_loss" in r.history for _, r in got[1:])


def test_run_cell_passes_a_users_warning_and_holds_the_diagnostics(group_spec):
    """One cell trained alone (not stacked): a transform's warning reaches the caller, the
    trainer's diagnostics (reported later, by the executor) do not."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    cell = next(c for c in spec.cells() if c.method == "warn")
    with pytest.warns(UserWarning, match="WarnFlip was applied"):
        run_cell(spec, cell)
    stuck = _in_memory(dict(GROUP, training=dict(GROUP["training"], lr=10.0, optimizer="sgd")),
                       spec.dataset["fingerprint"])
    cell = next(c for c in stuck.cells() if c.method == "stuck")
    with warnings.catch_warnings():
        warnings.simplefilter("error", AugfitWarning)
        r = run_cell(stuck, cell)
    assert r.warnings[0].startswith("the model learned nothing")



def _flushing_now():
    """Whether this thread flushes subnormals now (1e-38 * 0.01 is subnormal in float32)."""
    return float(np.float32(1e-38) * np.float32(0.01)) == 0.0


class _FlushProbe(Callback):
    """Notes, at every step, whether the thread trains with subnormals flushed."""

    def on_train_begin(self, logs=None):
        del logs
        self.flushing = []

    def on_batch_end(self, batch, logs=None):
        del batch, logs
        self.flushing.append(_flushing_now())


@pytest.mark.skipif(not flushing_available(), reason="FTZ/DAZ not settable here")
@pytest.mark.parametrize("flush", [False, True])
def test_each_cell_trains_flushed_exactly_when_asked(group_spec, flush):
    """Stacked (run_group) or alone (run_cells): every step of training, not only the
    evaluations around it, runs with the flags ``flush`` asks for."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    units = _units(spec, "baseline")[:2]
    probe = _FlushProbe()
    got = run_group(spec, units, epoch_callback=probe, flush=flush)
    assert probe.flushing == [flush] * 6                 # 3 epochs of 2 batches
    assert {r.numerics for _, r in got} == {FLUSHED if flush else NUMERICS_PLAIN}
    probe = _FlushProbe()
    got = run_cells(spec, units[0][0], units[0][1], probe, flush=flush)
    assert probe.flushing == [flush] * 6
    assert {r.numerics for _, r in got} == {FLUSHED if flush else NUMERICS_PLAIN}
    assert not _flushing_now()                            # the caller's flags are back


def test_a_rider_keeps_the_passes_that_ended_by_its_stop_step(group_spec):
    """Every pass evaluated and an evaluation period of one pass (2 steps): a rider that stops
    keeps the pass ending at its stop step, as training it with every pass evaluated does."""
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    every = _in_memory(dict(GROUP, training=dict(GROUP["training"], eval_every=2, epochs=6),
                            methods=GROUP["methods"][:2]), spec.dataset["fingerprint"])
    (cell, derived), = [u for u in _units(every, "baseline") if u[0].split == 0]
    got = run_cells(every, cell, derived, passes=True)
    rider = got[1][1]
    assert got[1][0].method == "es" and rider.stopped_early and rider.epochs_run < 6
    assert rider.history["pass_step"] == [2.0 * (i + 1) for i in range(rider.epochs_run)]
    alone = run_cells(every, got[1][0], (), passes=True)[0][1]
    assert _stored(rider) == _stored(alone)


def test_an_audio_step_without_a_rate_takes_the_datas():
    """PitchShift with no sample_rate trains with the data's (meta['sample_rate']): the bits of
    naming that rate in the spec (clips of 256 samples: librosa warns about its n_fft)."""
    rng = np.random.default_rng(11)
    y = np.arange(24) % 2
    t = np.arange(256) / 4000.0
    x = (np.sin(2 * np.pi * (300 + 300 * y[:, None]) * t) +
         0.1 * rng.normal(size=(24, 256))).astype(np.float32)

    def shifted(meta_rate=4000, **rate):
        data = from_arrays(x, y, modality="audio", meta={"sample_rate": meta_rate})
        fp = fingerprint(data, {"clips": 24})
        install(fp, data)
        spec = parse_spec({"dataset": {"name": "data", "fingerprint": fp},
                           "model": {"hidden": [4]}, "training": {"epochs": 1, "batch_size": 8},
                           "train_sizes": [12], "baseline": "pitch", "methods": [
                               {"name": "pitch", "augment": [{"type": "PitchShift",
                                                              "semitones": [-1, 1], **rate}]}]})
        return _stored(run_cell(spec, spec.cells()[0]))

    assert shifted() == shifted(sample_rate=4000)   # without any rate PitchShift refuses
    assert shifted(np.int64(4000)) == shifted()         # a NumPy rate is a rate too


def test_training_subset_per_class_draws_from_the_cells_seed():
    train = from_arrays(np.arange(40 * 4, dtype=np.uint8).reshape(40, 2, 2), np.arange(40) % 2,
                        modality="image")
    fp = fingerprint(train, {"per": 1})
    install(fp, train)
    spec = parse_spec({"dataset": {"name": "data", "fingerprint": fp}, "train_sizes": [3],
                       "train_size_unit": "per_class", "seeds": 2, "methods": ["baseline"]})
    a, b = (c for c in spec.cells() if c.split == 0)
    sub = training_subset(spec, train, a)
    want = train.subsample(per_class=3, seed=derive(a.seed, SUBSAMPLE, a.split, a.train_size))
    assert sub.x.tobytes() == want.x.tobytes() and list(sub.y) == list(want.y)
    assert sorted(np.bincount(sub.y)) == [3, 3]
    assert training_subset(spec, train, b).x.tobytes() != sub.x.tobytes()


def test_run_group_with_an_evaluation_period_stores_what_each_unit_alone_does(group_spec):
    spec, data = group_spec
    install(spec.dataset["fingerprint"], data)
    periodic = _in_memory(dict(GROUP, training=dict(GROUP["training"], eval_every=3),
                               methods=GROUP["methods"][:3]), spec.dataset["fingerprint"])
    units = _units(periodic, "baseline")[:2]
    got = run_group(periodic, units)
    assert [(c, _stored(r)) for c, r in got] == _alone(periodic, units)
    assert not any(k.startswith("pass_") for _, r in got for k in r.history)


def test_a_methods_mix_and_the_specs_features_reach_the_loader():
    """Text in two classes: MixUp changes what a cell stores, and so does the number of hashed
    features the spec asks for (the loader gets both)."""
    words = ["good", "fine", "great", "bad", "poor", "awful"]
    rng = np.random.default_rng(7)
    y = np.arange(60) % 2
    text = [" ".join(rng.choice(words[3 * k:3 * k + 3], 4)) for k in y]
    data = from_arrays(text, y, modality="text")
    fp = fingerprint(data, {"mixed": 1})
    install(fp, data)

    def stored(method, n_features=64):
        spec = _in_memory(dict(GROUP, methods=["baseline", {"name": "mixup",
                                                            "mix": {"type": "MixUp"}}],
                               features={"type": "text_hashing",
                                                   "n_features": n_features}), fp)
        cell = next(c for c in spec.cells() if c.method == method)
        return _stored(run_cell(spec, cell))

    base = stored("baseline")
    assert stored("mixup") != base
    assert stored("baseline", 16) != base
