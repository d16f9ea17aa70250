"""Step budgets, learning-rate schedules, ReduceLROnPlateau and weight averaging: hand-worked
learning rates and averages at given steps, driven through the real Trainer or the hooks."""
from types import SimpleNamespace

import numpy as np
import pytest

import augfit as af
from augfit.errors import ConfigError, ShapeError
from augfit.nn import MLP, SGD, Adam
from augfit.train.callbacks import Callback, EarlyStopping, ReduceLROnPlateau, WeightAveraging
from augfit.train.schedules import CosineSchedule, StepDecay, make_schedule, schedule_config


class LrLog(Callback):
    """The learning rate each step used (read after the step, before the next one is set)."""

    def on_train_begin(self, logs=None):
        del logs
        self.lrs, self.weights = [], []

    def on_batch_end(self, batch, logs=None):
        del batch, logs
        self.lrs.append(self.trainer.optimizer.lr)
        self.weights.append([p.copy() for p in self.model.parameters()])


def _data(n=10):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), dtype=np.float32), np.arange(n) % 2


def _fit(schedule=None, callbacks=(), lr=0.1, **budget):
    x, y = _data()
    log = LrLog()
    model = MLP(4, [3], 2, seed=0)
    trainer = af.Trainer(model, optimizer=SGD(lr=lr), callbacks=[*callbacks, log],
                         schedule=schedule)
    history = trainer.fit(x, y, batch_size=4, seed=0, **budget)   # 3 batches per epoch
    return trainer, log, history


def test_step_budget_cuts_the_last_epoch_short():
    trainer, log, history = _fit(steps=7)
    assert (trainer.step_count, len(log.lrs), len(history.epoch)) == (7, 7, 3)
    assert trainer.params["epochs"] == 3 and trainer.params["total_steps"] == 7


def test_a_step_budget_of_whole_epochs_equals_the_epoch_budget():
    a = _fit(steps=6)[0].model.get_weights()
    b = _fit(epochs=2)[0].model.get_weights()
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))


def test_steps_with_epochs_is_an_error_naming_both():
    x, y = _data()
    with pytest.raises(ConfigError, match=r"epochs=5, steps=10.*not both"):
        af.Trainer(MLP(4, [3], 2, seed=0)).fit(x, y, epochs=5, steps=10)


def test_cosine_with_warmup_in_the_trainer():
    trainer, log, _ = _fit(CosineSchedule(warmup=0.2), steps=10)
    # 2 warmup steps (0.05, 0.1), then 0.1 * (1 + cos(pi * k / 8)) / 2 for k = 0..7
    expected = [0.05, 0.1] + [0.05 * (1 + np.cos(np.pi * k / 8)) for k in range(8)]
    np.testing.assert_allclose(log.lrs, expected, rtol=1e-12)
    assert log.lrs[6] == pytest.approx(0.05)          # half-way through the cosine
    assert trainer.optimizer.lr == 0.1                 # the base value is put back


def test_cosine_final_floor_and_epoch_budget():
    s = CosineSchedule(final=0.1).bind(4)
    # 0.1 + 0.9 * (1 + cos(pi t / 4)) / 2
    assert [round(s.factor(t), 6) for t in range(4)] == [1.0, 0.868198, 0.55, 0.231802]
    _, log, _ = _fit(CosineSchedule(), epochs=2)      # budget = 2 epochs x 3 batches
    assert log.lrs[3] == pytest.approx(0.05)


def test_step_decay_halves_every_three_steps():
    _, log, _ = _fit(StepDecay(every=3, factor=0.5), steps=8)
    np.testing.assert_allclose(log.lrs, [0.1] * 3 + [0.05] * 3 + [0.025] * 2, rtol=1e-12)


def test_a_schedule_changes_the_trained_weights_and_sgd_uses_the_set_lr():
    _, log, _ = _fit(StepDecay(every=1, factor=0.5), steps=2)
    _, plain, _ = _fit(steps=2)
    assert not np.array_equal(log.weights[1][0], plain.weights[1][0])
    np.testing.assert_array_equal(log.weights[0][0], plain.weights[0][0])   # step 0: lr 0.1


class NoLr:
    def step(self, params, grads):
        for p, g in zip(params, grads, strict=True):
            p -= 0.1 * g


def test_a_schedule_on_an_optimizer_without_lr_names_the_fix():
    with pytest.raises(ConfigError, match=r"NoLr has no float attribute lr; use augfit\.nn\.optim"):
        af.Trainer(MLP(4, [3], 2, seed=0), optimizer=NoLr(), schedule=CosineSchedule())
    with pytest.raises(ConfigError, match=r"ReduceLROnPlateau changes.*NoLr has no float"):
        x, y = _data()
        af.Trainer(MLP(4, [3], 2, seed=0), optimizer=NoLr(),
                   callbacks=[ReduceLROnPlateau()]).fit(x, y, val=(x, y), epochs=1)


def test_schedule_and_plateau_together_or_a_wrong_type_are_errors():
    with pytest.raises(ConfigError, match="use one of them"):
        af.Trainer(MLP(4, [3], 2, seed=0), schedule=CosineSchedule(),
                   callbacks=[ReduceLROnPlateau()])
    with pytest.raises(ConfigError, match="ReduceLROnPlateau is a callback"):
        af.Trainer(MLP(4, [3], 2, seed=0), schedule=ReduceLROnPlateau())


def test_bad_schedule_arguments():
    with pytest.raises(ConfigError, match=r"CosineSchedule\(warmup=...\) must .*\[0, 1\)"):
        CosineSchedule(warmup=1.0)
    with pytest.raises(ConfigError, match=r"StepDecay\(every=...\)"):
        StepDecay(every=0)
    with pytest.raises(ConfigError, match=r"ReduceLROnPlateau\(factor=...\)"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ConfigError, match="needs the budget"):
        CosineSchedule().factor(0)


def test_schedule_config_fills_defaults_and_checks():
    assert schedule_config({"type": "cosine", "warmup": 0.05}) == \
        {"type": "cosine", "warmup": 0.05, "final": 0.0}
    plateau = make_schedule(schedule_config({"type": "plateau", "monitor": "val_accuracy"}))
    assert (plateau.mode, plateau.factor, plateau.patience) == ("max", 0.1, 10)
    with pytest.raises(ConfigError, match="needs every"):
        schedule_config({"type": "step"})
    with pytest.raises(ConfigError, match="one of cosine, step, plateau"):
        schedule_config({"type": "linear"})
    with pytest.raises(ConfigError, match="no argument 'warmup'"):
        schedule_config({"type": "step", "every": 5, "warmup": 0.1})


# --- ReduceLROnPlateau, driven through its hooks ------------------------------------------------
def drive(cb, values, monitor="val_loss", lr=1.0):
    trainer = SimpleNamespace(model=None, stop_training=False, optimizer=SimpleNamespace(lr=lr))
    cb.set_trainer(trainer)
    cb.on_train_begin({})
    lrs = []
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {monitor: v})
        lrs.append(trainer.optimizer.lr)
    return trainer, lrs


def test_plateau_patience_cooldown_and_min_lr():
    cb = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    values = [1.0, 0.9, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.1, 1.2, 0.5]
    trainer, lrs = drive(cb, values)
    assert cb.reductions == [(3, 0.5), (5, 0.25), (7, 0.2)]
    assert lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]
    assert cb.best == 0.5 and cb.wait == 0
    cb.on_train_begin({})                                    # counters reset, lr kept
    assert (cb.best, cb.wait, cb.cooldown_counter, cb.reductions) == (None, 0, 0, [])
    assert trainer.optimizer.lr == 0.2


def test_plateau_mode_max_and_min_delta():
    cb = ReduceLROnPlateau(monitor="val_accuracy", mode="max", factor=0.1, patience=2,
                           min_delta=0.05)
    _, lrs = drive(cb, [0.5, 0.6, 0.62, 0.64, 0.70], monitor="val_accuracy")
    # 0.62 and 0.64 do not beat 0.6 by more than 0.05: reduced at epoch 3
    assert lrs == pytest.approx([1.0, 1.0, 1.0, 0.1, 0.1])


def test_plateau_in_a_real_fit_reduces_sgd_lr():
    x, y = _data()
    opt = SGD(lr=0.1)
    cb = ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)   # every bad epoch counts
    h = af.Trainer(MLP(4, [3], 2, seed=0), optimizer=opt, callbacks=[cb]).fit(
        x, y, epochs=6, batch_size=4, seed=0).history["loss"]
    bad = [e for e in range(1, 6) if h[e] >= min(h[:e])]
    assert [e for e, _ in cb.reductions] == bad
    assert opt.lr == pytest.approx(0.1 * 0.5 ** len(bad))


# --- weight averaging ---------------------------------------------------------------------------
class OneWeight:
    def __init__(self):
        self.w = np.zeros(1)

    def parameters(self):
        return [self.w]


def _drive_avg(cb, per_batch, epochs=1):
    trainer = SimpleNamespace(model=OneWeight(), params={"epochs": epochs}, callbacks=[cb])
    cb.set_trainer(trainer)
    cb.on_train_begin({})
    for epoch, batch_weights in enumerate(per_batch):
        for b, w in enumerate(batch_weights):
            trainer.model.w[0] = w
            cb.on_batch_end(b, {})
        cb.on_epoch_end(epoch, {})
    cb.on_train_end({})
    return float(trainer.model.w[0])


def test_ema_hand_worked():
    # starts at the first step's weights: 1; then 0.5*1 + 0.5*2 = 1.5; 0.5*1.5 + 0.5*4 = 2.75
    assert _drive_avg(WeightAveraging("ema", decay=0.5), [[1.0, 2.0, 4.0]]) == 2.75
    # decay 0.9: 1 -> 0.9*1 + 0.1*11 = 2.0
    assert _drive_avg(WeightAveraging("ema", decay=0.9), [[1.0], [11.0]], 2) == pytest.approx(2.0)


def test_swa_averages_epoch_ends_from_start():
    # 4 epochs, start 0.5: epochs 2 and 3 are averaged: (3 + 5) / 2
    cb = WeightAveraging("swa", start=0.5)
    assert _drive_avg(cb, [[1.0], [2.0], [3.0], [5.0]], epochs=4) == 4.0
    assert cb.count == 2


def test_ema_in_a_real_fit_leaves_the_average_of_the_steps():
    x, y = _data()
    model = MLP(4, [3], 2, seed=0)
    log = LrLog()
    avg = WeightAveraging("ema", decay=0.8)
    af.Trainer(model, optimizer=Adam(lr=0.05), callbacks=[avg, log]).fit(
        x, y, steps=5, batch_size=4, seed=0)
    expected = log.weights[0][0].astype(np.float64)
    for w in log.weights[1:]:
        expected = 0.8 * expected + 0.2 * w[0]
    np.testing.assert_allclose(model.parameters()[0], expected, rtol=1e-5, atol=1e-7)
    assert not np.allclose(model.parameters()[0], log.weights[-1][0])


def test_averaged_weights_are_what_the_run_would_end_with_and_leave_the_model_alone():
    x, y = _data()
    model = MLP(4, [3], 2, seed=0)
    avg = WeightAveraging("ema", decay=0.8)
    assert avg.averaged_weights() is None
    af.Trainer(model, optimizer=Adam(lr=0.05), callbacks=[avg]).fit(x, y, steps=5, batch_size=4,
                                                                     seed=0)
    raw = [np.array(p, copy=True) for p in model.parameters()]
    avg.average = [a + 1.0 for a in avg.average]         # an average unlike the model's weights
    got = avg.averaged_weights()
    assert all(np.array_equal(p, r) for p, r in zip(model.parameters(), raw, strict=True))
    avg.on_train_end()
    assert all(np.array_equal(g, w) for g, w in zip(got, model.get_weights(), strict=True))
    assert not np.array_equal(got[0], MLP(4, [3], 2, seed=0).get_weights()[0])


def test_averaging_with_restored_best_weights_is_an_error():
    x, y = _data()
    cbs = [WeightAveraging(), EarlyStopping(restore_best_weights=True)]
    with pytest.raises(ConfigError, match="both set the final weights"):
        af.Trainer(MLP(4, [3], 2, seed=0), callbacks=cbs).fit(x, y, val=(x, y), epochs=1)


# --- eval_every: log periods of a fixed number of steps -----------------------------------------
def test_eval_every_logs_periods_of_steps_and_trains_the_same_batches():
    trainer, _, history = _fit(steps=7, eval_every=2)      # periods of 2, 2, 2, 1 steps
    assert len(history.epoch) == 4 and trainer.params["epochs"] == 4
    plain = _fit(steps=7)[0]
    assert all(np.array_equal(u, v) for u, v in
               zip(trainer.model.get_weights(), plain.model.get_weights(), strict=True))
    # an epoch budget in periods: 2 epochs x 3 batches = 6 steps in periods of 4 and 2
    _, _, h = _fit(epochs=2, eval_every=4)
    assert len(h.epoch) == 2


def test_early_stopping_patience_counts_periods():
    x, y = _data()
    es = EarlyStopping(monitor="loss", patience=1, min_delta=10.0)   # only period 0 improves
    trainer = af.Trainer(MLP(4, [3], 2, seed=0), optimizer=SGD(lr=0.1), callbacks=[es])
    trainer.fit(x, y, steps=30, eval_every=5, batch_size=4, seed=0)
    assert (es.best_epoch, es.stopped_epoch, trainer.step_count) == (0, 1, 10)


class PassLog(Callback):
    """The pass ends a fit announced: (index, logs, step count, weights at that moment)."""

    def on_train_begin(self, logs=None):
        del logs
        self.seen = []

    def on_pass_end(self, index, logs=None):
        self.seen.append((index, logs, self.trainer.step_count,
                          self.model.get_weights()))


def test_eval_passes_evaluates_every_pass_and_changes_nothing_else():
    x, y = _data()                                   # 3 batches per pass
    runs = {}
    for passes in (False, True):
        log = PassLog()
        es = EarlyStopping(monitor="val_loss", patience=50, restore_best_weights=True)
        trainer = af.Trainer(MLP(4, [3], 2, seed=0), optimizer=SGD(lr=0.1),
                             callbacks=[es, log])
        h = trainer.fit(x, y, val=(x[:6], y[:6]), steps=14, eval_every=4, batch_size=4, seed=0,
                        eval_passes=passes)
        runs[passes] = trainer, h, log
    (plain, hp, lp), (dense, hd, ld) = runs[False], runs[True]
    assert hd.history == hp.history and len(hd.epoch) == 4          # periods of 4, 4, 4, 2
    assert all(np.array_equal(u, v) for u, v in
               zip(dense.model.get_weights(), plain.model.get_weights(), strict=True))
    assert lp.seen == []                                            # only when asked for
    # passes end after steps 3, 6, 9, 12, and the budget after step 14
    assert [s for _, _, s, _ in ld.seen] == [3, 6, 9, 12, 14] == hd.passes["step"]
    assert [i for i, *_ in ld.seen] == [0, 1, 2, 3, 4]
    # each pass's val is the model's at that step (step 12 ends a period too: the same numbers)
    for _, logs, _, weights in ld.seen:
        model = MLP(4, [3], 2, seed=0)
        model.set_weights(weights)
        ev = af.Trainer(model).evaluate(x[:6], y[:6])
        assert (logs["val_loss"], logs["val_accuracy"]) == (ev["loss"], ev["accuracy"])
    assert hd.passes["val_loss"][3] == hd.history["val_loss"][2]
    # without eval_every a pass is an epoch: nothing more
    h = af.Trainer(MLP(4, [3], 2, seed=0)).fit(x, y, epochs=2, batch_size=4, eval_passes=True)
    assert h.passes == {} and len(h.epoch) == 2


def test_eval_every_bad_values():
    x, y = _data()
    with pytest.raises(ConfigError, match=r"fit\(eval_every=...\) must be a positive int, got 0"):
        af.Trainer(MLP(4, [3], 2, seed=0)).fit(x, y, steps=5, eval_every=0)

    class Endless:
        def __iter__(self):
            return iter([(x, y)])
    with pytest.raises(ConfigError, match="needs a budget of known length"):
        af.Trainer(MLP(4, [3], 2, seed=0)).fit(Endless(), epochs=2, eval_every=3)

    class Unsized:
        def __iter__(self):
            return iter([(x, y)])
    with pytest.raises(ConfigError) as e:
        af.Trainer(MLP(4, [3], 2, seed=0)).fit(Unsized(), steps=4, eval_every=2,
                                                eval_passes=True)
    assert str(e.value) == ("fit(eval_passes=True) evaluates at the end of every pass over the "
                            "data, so it needs data of known length: a loader with a length, "
                            "or arrays")


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_schedule_and_averaging_configs_by_hand():
    from augfit.train.schedules import averaging_config, make_averaging

    def message(fn, config):
        with pytest.raises(ConfigError) as e:
            fn(config)
        return str(e.value)

    assert message(schedule_config, {"type": "step"}) == (
        "schedule 'step' needs every: the number of optimizer steps between two decays, e.g. "
        "{type: step, every: 1000, factor: 0.5}")
    assert message(schedule_config, {"type": "plateau", "monitor": "x"}) == (
        "schedule 'plateau' monitor must be one of val_loss, val_accuracy, loss, accuracy (the "
        "epoch logs), got 'x'")
    assert message(schedule_config, {"type": "cosine", "bogus": 1}) == (
        "schedule 'cosine' has no argument 'bogus'; its arguments: warmup, final")
    assert message(schedule_config, {"type": "nope"}) == (
        "schedule type must be one of cosine, step, plateau, got 'nope'")
    assert message(averaging_config, {"type": "ema", "start": 0.1}) == (
        "averaging 'ema' has no argument 'start'; its arguments: decay")
    assert message(averaging_config, {"type": "ema", "decay": 2}) == (
        "WeightAveraging(decay=...) must be a number in (0, 1), got 2")
    assert schedule_config({"type": "step", "every": 5}) == {"type": "step", "every": 5,
                                                             "factor": 0.1}
    assert schedule_config({"type": "plateau"}) == {
        "type": "plateau", "monitor": "val_loss", "factor": 0.1, "patience": 10, "min_lr": 0.0,
        "cooldown": 0, "min_delta": 0.0}
    assert averaging_config({"type": "swa"}) == {"type": "swa", "start": 0.75}
    assert averaging_config({"type": "ema"}) == {"type": "ema", "decay": 0.999}
    rop = make_schedule(schedule_config({"type": "plateau", "monitor": "val_accuracy",
                                         "factor": 0.5, "patience": 3}))
    assert (type(rop).__name__, rop.mode, rop.factor, rop.patience, rop.monitor) == (
        "ReduceLROnPlateau", "max", 0.5, 3, "val_accuracy")
    assert make_schedule(schedule_config({"type": "plateau"})).mode == "min"
    step = make_schedule({"type": "step", "every": 4, "factor": 0.5})
    assert isinstance(step, StepDecay) and (step.every, step.gamma) == (4, 0.5)
    assert StepDecay(3, 0.5).config() == {"type": "step", "every": 3, "factor": 0.5}
    assert CosineSchedule(0.1, 0.2).config() == {"type": "cosine", "warmup": 0.1, "final": 0.2}
    swa = make_averaging({"type": "swa", "start": 0.5})
    assert (swa.kind, swa.start, swa.decay) == ("swa", 0.5, 0.999)
    ema = make_averaging({"type": "ema", "decay": 0.5})
    assert (ema.kind, ema.decay, ema.start) == ("ema", 0.5, 0.75)


def test_cosine_schedule_stays_at_final_past_its_budget_and_needs_one():
    s = CosineSchedule(final=0.25)
    with pytest.raises(ConfigError) as e:
        s.factor(0)
    assert str(e.value) == ("CosineSchedule needs the budget it spans: train with "
                            "Trainer.fit(..., steps=N), or epochs with a loader that has a "
                            "length, or call bind(total_updates) first")
    s.bind(1)  # one update: the cosine spans one step
    assert s.factor(0) == 1.0 and s.factor(1) == 0.25 and s.factor(5) == 0.25
    s.bind(4)
    assert [s.factor(t) for t in range(4)] == pytest.approx(
        [0.25 + 0.75 * 0.5 * (1 + np.cos(np.pi * t / 4)) for t in range(4)], abs=1e-15)
    assert s.factor(8) == 0.25  # twice the budget: still the final factor


class CountingMLP(MLP):
    """An MLP that counts its evaluation passes (forward without training)."""

    evaluations = 0

    def forward(self, x, training=False):
        self.evaluations += not training
        return super().forward(x, training)


def test_eval_passes_evaluates_a_step_that_ends_a_pass_and_a_period_once():
    x, y = _data(12)                                  # batch 4: 3 steps per pass
    counts = {}
    for every, passes in ((3, False), (3, True), (4, True)):
        model = CountingMLP(4, [3], 2, seed=0)
        h = af.Trainer(model, optimizer=SGD(lr=0.1)).fit(
            x, y, val=(x[:6], y[:6]), steps=12, eval_every=every, batch_size=4, seed=0,
            eval_passes=passes)
        counts[every, passes] = model.evaluations, len(h.epoch), len(h.passes.get("step", []))
    # every=3: the 4 pass ends are the 4 period ends, evaluated once each
    assert counts[3, False] == (4, 4, 0) and counts[3, True] == (4, 4, 4)
    # every=4: passes end after steps 3, 6, 9, 12; periods after 4, 8, 12 (12 shared)
    assert counts[4, True] == (6, 3, 4)


def test_weight_averaging_hooks_work_for_a_trainer_without_a_callback_list():
    cb = WeightAveraging("ema", decay=0.5)
    trainer = SimpleNamespace(model=OneWeight(), params={"epochs": 1})   # no .callbacks
    cb.set_trainer(trainer)
    cb.on_train_begin({})
    for w in (2.0, 4.0):
        trainer.model.w[0] = w
        cb.on_batch_end(0, {})
    cb.on_train_end({})
    assert trainer.model.w[0] == 3.0 and cb.count == 2
    unattached = WeightAveraging("swa")
    unattached.on_train_begin()
    assert (unattached.average, unattached.count) == (None, 0)


@pytest.mark.parametrize("patience, cooldown, reduced_at", [
    (2, 2, [2, 5, 8]),      # a reduction, then 2 epochs of cooldown before waiting again
    (1, 2, [1, 3, 5, 7]),   # the cooldown's last epoch still does not count
    (2, 0, [2, 4, 6, 8]),   # no cooldown: the wait restarts from 0 after a reduction
])
def test_plateau_reductions_on_a_flat_loss_by_hand(patience, cooldown, reduced_at):
    cb = ReduceLROnPlateau(factor=0.5, patience=patience, cooldown=cooldown)
    drive(cb, [1.0] * 9)                                      # epoch 0 sets best; none improves
    assert [e for e, _ in cb.reductions] == reduced_at
    assert [lr for _, lr in cb.reductions] == [0.5 ** k for k in range(1, len(reduced_at) + 1)]


def test_plateau_refusal_in_full_when_it_has_no_optimizer_to_set():
    cb = ReduceLROnPlateau(patience=0)                        # never attached to a trainer
    cb.on_train_begin()
    cb.on_epoch_end(0, {"val_loss": 1.0})                     # the first value is the best
    with pytest.raises(ConfigError) as e:
        cb.on_epoch_end(1, {"val_loss": 1.0})
    assert str(e.value) == ("ReduceLROnPlateau changes the optimizer's learning rate, but "
                            "NoneType has no float attribute lr; use augfit.nn.optim.SGD/"
                            "Momentum/Adam, or give your optimizer an lr attribute that its "
                            "step() reads")


def test_eval_every_names_the_pass_whose_loader_labels_are_bad():
    x, y = _data(8)

    class SecondPassBad:
        """Two batches per pass; the second pass's last batch has label 5 for 2 classes."""

        def __init__(self):
            self.passes = 0

        def __len__(self):
            return 2

        def __iter__(self):
            bad = self.passes == 1
            self.passes += 1
            return iter([(x[:4], y[:4]), (x[4:], y[4:] + 5 * bad)])

    with pytest.raises(ShapeError) as e:
        af.Trainer(MLP(4, [3], 2, seed=0)).fit(SecondPassBad(), steps=6, eval_every=3)
    assert str(e.value) == ("labels of loader batch 1 (epoch 1) must be in [0, 2) (the model's "
                            "out_features), got range [5, 6]")
