"""Callbacks driven through their hooks with scripted losses and a tiny fake model."""
import io
from types import SimpleNamespace

import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.train.callbacks import EarlyStopping, History, ProgressBar


class FakeModel:
    """Its single weight is set to the epoch number, so restored weights name their epoch."""

    def __init__(self):
        self.w = -1

    def get_weights(self):
        return [np.array([self.w])]

    def set_weights(self, weights):
        self.w = int(weights[0][0])


def drive(cb, values, monitor="val_loss"):
    trainer = SimpleNamespace(model=FakeModel(), stop_training=False,
                              params={"epochs": len(values)})
    cb.set_trainer(trainer)
    cb.on_train_begin({})
    last = None
    for epoch, v in enumerate(values):
        trainer.model.w = epoch
        last = epoch
        cb.on_epoch_end(epoch, {monitor: v, "loss": 0.0})
        if trainer.stop_training:
            break
    cb.on_train_end({})
    return trainer, last


def test_patience_counts_epochs_without_improvement():
    es = EarlyStopping(patience=3)
    _, last = drive(es, [1.0, 0.9, 0.95, 0.96, 0.97, 0.5])
    assert (last, es.stopped_epoch, es.best_epoch, es.best) == (4, 4, 1, 0.9)


def test_runs_all_epochs_when_it_keeps_improving():
    es = EarlyStopping(patience=1)
    trainer, last = drive(es, [1.0, 0.9, 0.8])
    assert (last, es.stopped_epoch, es.best_epoch) == (2, None, 2)
    assert trainer.stop_training is False


def test_min_delta_small_improvements_do_not_count():
    es = EarlyStopping(patience=2, min_delta=0.1)
    _, last = drive(es, [1.0, 0.95, 0.92, 0.85, 0.8])
    assert (last, es.stopped_epoch, es.best_epoch, es.best) == (2, 2, 0, 1.0)
    es0 = EarlyStopping(patience=2)
    drive(es0, [1.0, 0.95, 0.92, 0.85, 0.8])
    assert es0.stopped_epoch is None


def test_baseline_not_reached_stops_after_patience():
    es = EarlyStopping(patience=3, baseline=0.5)
    _, last = drive(es, [0.9, 0.8, 0.7, 0.6, 0.55])
    assert (last, es.stopped_epoch, es.best, es.best_epoch) == (2, 2, None, None)


def test_baseline_reached_then_patience():
    es = EarlyStopping(patience=2, baseline=0.5)
    drive(es, [0.9, 0.4, 0.45, 0.46, 0.1])
    assert (es.stopped_epoch, es.best, es.best_epoch) == (3, 0.4, 1)


def test_start_from_epoch_ignores_warm_up():
    es = EarlyStopping(patience=2, start_from_epoch=3)
    drive(es, [0.1, 0.2, 0.3, 1.0, 1.1, 1.2, 0.0])
    assert (es.stopped_epoch, es.best_epoch, es.best) == (5, 3, 1.0)
    es0 = EarlyStopping(patience=2)
    drive(es0, [0.1, 0.2, 0.3, 1.0, 1.1, 1.2, 0.0])
    assert es0.stopped_epoch == 2


def test_restore_best_weights_when_stopping():
    es = EarlyStopping(patience=2, restore_best_weights=True)
    trainer, last = drive(es, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert last == 3 and es.stopped_epoch == 3
    assert trainer.model.w == 1  # the weights of epoch 1, not of epoch 3


def test_restore_best_weights_when_training_ends_without_stopping():
    es = EarlyStopping(patience=10, restore_best_weights=True)
    trainer, last = drive(es, [1.0, 0.5, 0.7])
    assert es.stopped_epoch is None and last == 2
    assert trainer.model.w == 1


def test_no_restore_unless_asked():
    es = EarlyStopping(patience=2)
    trainer, _ = drive(es, [1.0, 0.5, 0.7, 0.8])
    assert trainer.model.w == 3


def test_mode_max_for_accuracy():
    es = EarlyStopping(monitor="val_accuracy", mode="max", patience=2)
    drive(es, [0.5, 0.7, 0.6, 0.7], monitor="val_accuracy")
    assert (es.stopped_epoch, es.best_epoch, es.best) == (3, 1, 0.7)


def test_state_is_reset_at_train_begin():
    es = EarlyStopping(patience=1)
    drive(es, [1.0, 2.0])
    assert es.stopped_epoch == 1
    drive(es, [3.0, 2.0, 1.0])
    assert (es.stopped_epoch, es.best, es.best_epoch) == (None, 1.0, 2)


def test_missing_monitor_key_says_what_is_logged():
    es = EarlyStopping(monitor="val_loss")
    es.set_trainer(SimpleNamespace(model=FakeModel(), stop_training=False))
    es.on_train_begin()
    with pytest.raises(ConfigError, match=r"monitor='val_loss'.*\['accuracy', 'loss'\].*val="):
        es.on_epoch_end(0, {"loss": 1.0, "accuracy": 0.5})


@pytest.mark.parametrize("kwargs", [{"mode": "auto"}, {"patience": -1}, {"min_delta": -0.1},
                                    {"start_from_epoch": 1.5}])
def test_bad_arguments(kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        EarlyStopping(**kwargs)


def test_history_records_per_epoch_logs():
    h = History()
    h.on_train_begin()
    h.on_epoch_end(0, {"loss": 1.0, "val_loss": 2.0})
    h.on_epoch_end(1, {"loss": 0.5, "val_loss": 1.5})
    assert h.history == {"loss": [1.0, 0.5], "val_loss": [2.0, 1.5]} and h.epoch == [0, 1]


class TTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_on_a_terminal_and_writes_a_line_per_epoch_otherwise():
    """Keras's verbose=1: a bar on a terminal, one line per epoch elsewhere (a log, CI)."""
    tty = TTY()
    drive(ProgressBar(file=tty), [1.0, 0.5, 0.25])
    assert "3/3" in tty.getvalue() and "val_loss=0.25" in tty.getvalue()
    assert "epoch 1:" not in tty.getvalue()
    log = io.StringIO()
    drive(ProgressBar(file=log), [1.0, 0.5, 0.25])
    assert log.getvalue().splitlines() == ["epoch 1: val_loss 1, loss 0",
                                           "epoch 2: val_loss 0.5, loss 0",
                                           "epoch 3: val_loss 0.25, loss 0"]


def test_progress_bar_mode_2_writes_lines_even_on_a_terminal():
    tty = TTY()
    drive(ProgressBar(file=tty, mode=2), [1.0, 0.5])
    assert tty.getvalue().splitlines() == ["epoch 1: val_loss 1, loss 0",
                                           "epoch 2: val_loss 0.5, loss 0"]


def test_progress_bar_mode_must_be_a_keras_verbose_level():
    with pytest.raises(ConfigError, match=r"ProgressBar\(mode=...\) must be one of \[1, 2\]"):
        ProgressBar(mode=3)


def test_model_checkpoint_every_epoch_formats_the_path(tmp_path):
    from augfit.train.callbacks import ModelCheckpoint

    saved = []

    class SavingModel(FakeModel):
        def save(self, path):
            saved.append((path, self.w))

    ck = ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{val_loss:.1f}.npz"), save_best_only=False)
    trainer = SimpleNamespace(model=SavingModel(), stop_training=False)
    ck.set_trainer(trainer)
    ck.on_train_begin()
    for epoch, v in enumerate([0.5, 0.7]):
        trainer.model.w = epoch
        ck.on_epoch_end(epoch, {"val_loss": v})
    assert [(p.rsplit("/", 1)[1], w) for p, w in saved] == [("m-00-0.5.npz", 0),
                                                            ("m-01-0.7.npz", 1)]
    assert ck.saved == [p for p, _ in saved]


# -- found by make mutate (docs/testing.md, "Mutation testing") --
_BAD = [
    ("EarlyStopping", dict(mode="x"), "EarlyStopping(mode=...) must be one of ['min', 'max'] "
                                      "(no guessing from the name), got 'x'"),
    ("EarlyStopping", dict(min_delta=-1), "EarlyStopping(min_delta=...) must be a number >= 0, "
                                          "got -1"),
    ("EarlyStopping", dict(patience=-1), "EarlyStopping(patience=...) must be a non-negative "
                                         "int, got -1"),
    ("EarlyStopping", dict(start_from_epoch=-1), "EarlyStopping(start_from_epoch=...) must be a "
                                                 "non-negative int, got -1"),
    ("ReduceLROnPlateau", dict(factor=0), "ReduceLROnPlateau(factor=...) must be a number in "
                                          "(0, 1), got 0"),
    ("ReduceLROnPlateau", dict(factor=1), "ReduceLROnPlateau(factor=...) must be a number in "
                                          "(0, 1), got 1"),
    ("ReduceLROnPlateau", dict(patience=-1), "ReduceLROnPlateau(patience=...) must be a "
                                             "non-negative int, got -1"),
    ("ReduceLROnPlateau", dict(cooldown=-1), "ReduceLROnPlateau(cooldown=...) must be a "
                                             "non-negative int, got -1"),
    ("ReduceLROnPlateau", dict(min_lr=-1), "ReduceLROnPlateau(min_lr=...) must be a number >= "
                                           "0, got -1"),
    ("ReduceLROnPlateau", dict(mode="x"), "ReduceLROnPlateau(mode=...) must be one of ['min', "
                                          "'max'] (no guessing from the name), got 'x'"),
    ("ReduceLROnPlateau", dict(min_delta=-1), "ReduceLROnPlateau(min_delta=...) must be a "
                                              "number >= 0, got -1"),
    ("WeightAveraging", dict(kind="x"), "WeightAveraging(kind=...) must be one of ['ema', "
                                        "'swa'], got 'x'"),
    ("WeightAveraging", dict(decay=0), "WeightAveraging(decay=...) must be a number in (0, 1), "
                                       "got 0"),
    ("WeightAveraging", dict(decay=1), "WeightAveraging(decay=...) must be a number in (0, 1), "
                                       "got 1"),
    ("WeightAveraging", dict(start=1), "WeightAveraging(start=...) must be a number in [0, 1), "
                                       "got 1"),
    ("WeightAveraging", dict(start=-0.5), "WeightAveraging(start=...) must be a number in "
                                          "[0, 1), got -0.5"),
    ("ProgressBar", dict(mode=3), "ProgressBar(mode=...) must be one of [1, 2], got 3"),
    ("CosineSchedule", dict(warmup=1), "CosineSchedule(warmup=...) must be a number in [0, 1), "
                                       "got 1"),
    ("CosineSchedule", dict(final=1), "CosineSchedule(final=...) must be a number in [0, 1), "
                                      "got 1"),
    ("CosineSchedule", dict(warmup=-0.5), "CosineSchedule(warmup=...) must be a number in "
                                          "[0, 1), got -0.5"),
    ("CosineSchedule", dict(final=-0.5), "CosineSchedule(final=...) must be a number in [0, 1), "
                                         "got -0.5"),
    ("StepDecay", dict(every=0), "StepDecay(every=...) must be a positive int, got 0"),
    ("StepDecay", dict(every=2, factor=0), "StepDecay(factor=...) must be a number in (0, 1), "
                                           "got 0"),
    ("StepDecay", dict(every=2, factor=1), "StepDecay(factor=...) must be a number in (0, 1), "
                                           "got 1"),
    ("ModelCheckpoint", dict(filepath=3), "ModelCheckpoint(filepath=...) must be a str or path, "
                                          "got 3"),
    ("ModelCheckpoint", dict(filepath="m.npz", mode="x"),
     "ModelCheckpoint(mode=...) must be one of ['min', 'max'] (no guessing from the name), "
     "got 'x'"),
    ("ModelCheckpoint", dict(filepath="m.npz", min_delta=-1),
     "ModelCheckpoint(min_delta=...) must be a number >= 0, got -1"),
]


def _classes():
    from augfit.train import callbacks, schedules
    return {**vars(callbacks), **vars(schedules)}


@pytest.mark.parametrize("name,kwargs,message", _BAD)
def test_every_callback_and_schedule_argument_check_in_full(name, kwargs, message):
    with pytest.raises(ConfigError) as e:
        _classes()[name](**kwargs)
    assert str(e.value) == message


def test_callback_and_schedule_defaults_and_their_closed_ends():
    c = _classes()
    assert {k: v for k, v in vars(c["EarlyStopping"]()).items() if k != "_owner"} == dict(
        monitor="val_loss", mode="min", min_delta=0.0, patience=10, start_from_epoch=0,
        baseline=None, restore_best_weights=False, wait=0, best=None, best_epoch=None,
        stopped_epoch=None, best_weights=None)
    assert {k: v for k, v in vars(c["ReduceLROnPlateau"]()).items() if k != "_owner"} == dict(
        monitor="val_loss", mode="min", min_delta=0.0, factor=0.1, patience=10, cooldown=0,
        min_lr=0.0, best=None, wait=0, cooldown_counter=0, reductions=[])
    assert vars(c["WeightAveraging"]()) == dict(kind="ema", decay=0.999, start=0.75,
                                                average=None, count=0)
    assert vars(c["CosineSchedule"]()) == dict(warmup=0.0, final=0.0)
    assert vars(c["StepDecay"](3)) == dict(every=3, gamma=0.1)
    ckpt = c["ModelCheckpoint"]("m.npz")
    assert (ckpt.monitor, ckpt.mode, ckpt.min_delta, ckpt.save_best_only, ckpt.best,
            ckpt.best_epoch, ckpt.saved) == ("val_loss", "min", 0.0, True, None, None, [])
    bar = ProgressBar()
    assert (bar.file, bar.mode, bar.bar) == (None, 1, None)
    # the closed ends are accepted
    c["EarlyStopping"](patience=0, min_delta=0, start_from_epoch=0, mode="max")
    c["ReduceLROnPlateau"](factor=0.5, patience=0, cooldown=0, min_lr=0)
    assert c["WeightAveraging"](kind="swa", decay=0.5, start=0).start == 0
    c["CosineSchedule"](warmup=0, final=0)
    assert c["StepDecay"](1, factor=0.5).every == 1
    assert ProgressBar(mode=2).mode == 2


def test_model_checkpoint_names_a_model_without_save_and_a_callback_needs_its_trainer(tmp_path):
    from augfit.train.callbacks import ModelCheckpoint

    ck = ModelCheckpoint(str(tmp_path / "m.npz"), save_best_only=False)
    with pytest.raises(ConfigError, match=r"ModelCheckpoint is not attached to a trainer; pass"):
        _ = ck.model
    ck.set_trainer(SimpleNamespace(model=FakeModel(), stop_training=False))
    ck.on_train_begin()
    with pytest.raises(ConfigError, match=r"but FakeModel has no save\(path\) method"):
        ck.on_epoch_end(0, {"val_loss": 0.5})
    assert ck.saved == []


def test_model_checkpoint_saves_only_improving_epochs():
    from augfit.train.callbacks import ModelCheckpoint

    saved = []

    class SavingModel(FakeModel):
        def save(self, path):
            saved.append((path, self.w))

    ck = ModelCheckpoint("m-{epoch}.npz", min_delta=0.05)
    trainer = SimpleNamespace(model=SavingModel(), stop_training=False)
    ck.set_trainer(trainer)
    ck.on_train_begin()
    for epoch, v in enumerate([0.5, 0.7, 0.3, 0.28, 0.2]):
        trainer.model.w = epoch
        ck.on_epoch_end(epoch, {"val_loss": v})
    # 0.7 is worse, 0.28 beats 0.3 by less than min_delta
    assert saved == [("m-0.npz", 0), ("m-2.npz", 2), ("m-4.npz", 4)]
    assert (ck.best, ck.best_epoch) == (0.2, 4)


def test_an_unattached_progress_bar_on_a_terminal_has_no_total():
    tty = TTY()
    bar = ProgressBar(file=tty)
    bar.on_train_begin()
    assert bar.bar is not None and bar.bar.total is None
    bar.on_epoch_end(0, {"loss": 0.5})
    bar.on_train_end()
    assert bar.bar is None and "1epoch" in tty.getvalue().replace(" ", "")


def test_restore_best_weights_leaves_the_model_alone_when_no_epoch_improved():
    es = EarlyStopping(patience=2, baseline=0.1, restore_best_weights=True)
    trainer, last = drive(es, [0.5, 0.4, 0.3, 0.2])          # never below the baseline
    assert (last, es.stopped_epoch, es.best_weights) == (1, 1, None)
    assert trainer.model.w == 1                               # the last epoch's weight, kept


def test_an_equal_value_or_one_exactly_min_delta_better_is_no_improvement():
    es = EarlyStopping(patience=2)
    _, last = drive(es, [0.5, 0.5, 0.5, 0.5])
    assert (last, es.stopped_epoch, es.best_epoch) == (2, 2, 0)
    es = EarlyStopping(patience=1, min_delta=0.25)
    _, last = drive(es, [1.0, 0.75])                          # 0.75 is not < 1.0 - 0.25
    assert (last, es.best, es.best_epoch) == (1, 1.0, 0)
    es = EarlyStopping(monitor="val_accuracy", mode="max", patience=1, min_delta=0.25)
    _, last = drive(es, [0.5, 0.75], monitor="val_accuracy")  # 0.75 is not > 0.5 + 0.25
    assert (last, es.best, es.stopped_epoch) == (1, 0.5, 1)
