"""Stacked training (augfit.train.stacked) is bit-identical to training each model alone.

Each test trains three units (different data, seeds, loaders) once with ``Trainer.fit`` each and
once with ``fit_stacked``, and compares everything a fit leaves behind: the History (every float),
the final weights, the optimizer's state and step count, the callbacks' state.
"""
import math
import sys
import warnings

import numpy as np
import pytest

from augfit.data.loader import DataLoader
from augfit.datasets import from_arrays
from augfit.errors import AugfitWarning, ConfigError, ShapeError, TrainingError
from augfit.nn import MLP
from augfit.nn.optim import SGD, Adam, Momentum
from augfit.numerics import NUMERICS_FLUSHED, NUMERICS_PLAIN, flushing_available
from augfit.train.callbacks import Callback, EarlyStopping, ReduceLROnPlateau, WeightAveraging
from augfit.train.schedules import CosineSchedule
from augfit.train.stacked import StackedMLP, fit_stacked
from augfit.train.trainer import Trainer
from augfit.transforms.compose import Compose
from augfit.transforms.image import CutMix, HorizontalFlip, Rotate
from augfit.transforms.mixing import MixUp

pytestmark = pytest.mark.filterwarnings("ignore::augfit.errors.AugfitWarning")


def _data(seed, n=150):
    """8x8 float images whose class (of 3) is the brightest third of the rows, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.random((n, 8, 8), dtype=np.float32) * 0.6
    for k in range(3):
        x[y == k, 3 * k:3 * k + 2] += 0.15
    return from_arrays(x, y, modality="image")


def _unit(seed, opt, *, dropout=0.0, augment=None, callbacks=(), label_smoothing=0.0,
          schedule=None, poison=False):
    loader = DataLoader(_data(seed), batch_size=32, seed=100 + seed, augment=augment)
    model = MLP(64, [24, 16], 3, dropout=dropout, seed=seed)
    if poison:                     # weights so large that the first logits overflow
        model.set_weights([w * np.float32(1e30) for w in model.get_weights()])
    trainer = Trainer(model, optimizer=opt(), callbacks=[c() for c in callbacks],
                      label_smoothing=label_smoothing,
                      schedule=None if schedule is None else schedule())
    val = _data(50 + seed, n=60)
    return trainer, loader, (val.x.reshape(60, -1), val.y)


def _state(trainer):
    opt = trainer.optimizer
    state = {k: v for s in opt.state for k, v in s.items()}
    return opt.t, getattr(opt, "lr", None), state


def _same(solo, stacked):
    assert solo.step_count == stacked.step_count
    assert solo.history.history == stacked.history.history
    for a, b in zip(solo.model.get_weights(), stacked.model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    (t1, lr1, s1), (t2, lr2, s2) = _state(solo), _state(stacked)
    assert (t1, lr1) == (t2, lr2)
    assert s1.keys() == s2.keys()
    for k in s1:
        assert np.array_equal(np.asarray(s1[k]), np.asarray(s2[k])), k
    assert solo.diagnostics == stacked.diagnostics
    # the last epoch's label counts (which "learned nothing" reads), as the fit's: same dtype
    assert solo._label_counts.dtype == stacked._label_counts.dtype == np.int64
    assert np.array_equal(solo._label_counts, stacked._label_counts)


def _compare(fit_kwargs, seeds=(0, 1, 2), **unit_kwargs):
    solo = []
    for s in seeds:
        tr, ld, val = _unit(s, **unit_kwargs)
        tr.fit(ld, val=val, **fit_kwargs)
        solo.append(tr)
    units = [_unit(s, **unit_kwargs) for s in seeds]
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], val=[u[2] for u in units],
                      **fit_kwargs)
    for a, (b, _, _), h in zip(solo, units, out, strict=True):
        assert h is b.history
        _same(a, b)
    return solo, [u[0] for u in units]


OPTIMIZERS = {
    "sgd": lambda: SGD(lr=0.1, weight_decay=1e-3),
    "momentum": lambda: Momentum(lr=0.05, nesterov=True, weight_decay=1e-3, decay_bias=False),
    "adam": lambda: Adam(lr=3e-3, weight_decay=1e-3, decay_bias=False),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_with_dropout_and_augmentation(name):
    aug = lambda: Compose([HorizontalFlip(p=0.5), Rotate(limit=10)])   # noqa: E731
    _compare({"epochs": 4}, opt=OPTIMIZERS[name], dropout=0.3, augment=aug())


@pytest.mark.parametrize("rows", [1, 2])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_optimizer_over_blocks_of_rows_gives_the_same_bits(name, rows, monkeypatch):
    """StackedStep updates as many rows per pass as hold PASS_PARAMS parameters (all three
    models above); here one row and two rows per pass (blocks of 2 + 1), with a model leaving
    the stack between blocks (early stopping)."""
    import augfit.train.stacked as stacked

    n = MLP(64, [24, 16], 3).n_params
    monkeypatch.setattr(stacked, "PASS_PARAMS", rows * n)
    es = lambda: EarlyStopping(monitor="val_loss", patience=1)  # noqa: E731
    _, trained = _compare({"steps": 300, "eval_every": 5}, opt=OPTIMIZERS[name], dropout=0.2,
                          callbacks=[es], seeds=(0, 1, 2, 3))
    assert len({t.step_count for t in trained}) > 1          # they left at different steps


@pytest.mark.parametrize("mix", [MixUp(alpha=0.4), CutMix(alpha=1.0)], ids=["mixup", "cutmix"])
def test_mixing_and_label_smoothing(mix):
    _compare({"epochs": 3}, opt=OPTIMIZERS["adam"], augment=mix, label_smoothing=0.1)


def test_early_stopping_freezes_each_model_where_it_stops():
    es = lambda: EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)  # noqa
    _, stacked = _compare({"steps": 400, "eval_every": 5}, opt=OPTIMIZERS["adam"],
                             callbacks=[es], schedule=lambda: CosineSchedule(warmup=0.1),
                             seeds=(0, 1, 2, 3))
    stops = [t.step_count for t in stacked]
    assert stops == [100, 135, 100, 140]                 # each stopped at its own step
    assert [t.callbacks[0].stopped_epoch for t in stacked] == [19, 26, 19, 27]


def test_plateau_gives_each_model_its_own_learning_rate():
    plateau = lambda: ReduceLROnPlateau(patience=1, factor=0.5, min_delta=0.02)   # noqa: E731
    _, stacked = _compare({"epochs": 10}, opt=OPTIMIZERS["momentum"], callbacks=[plateau])
    assert [t.optimizer.lr for t in stacked] == [0.0125, 0.05, 0.025]


def test_weight_averaging():
    _compare({"epochs": 3}, opt=OPTIMIZERS["adam"], callbacks=[lambda: WeightAveraging("ema")])


def test_a_diverging_model_fails_alone():
    units = [_unit(0, OPTIMIZERS["sgd"]), _unit(1, OPTIMIZERS["sgd"], poison=True),
             _unit(2, OPTIMIZERS["sgd"])]
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], val=[u[2] for u in units],
                      epochs=3)
    bad, _, val = _unit(1, OPTIMIZERS["sgd"], poison=True)
    with pytest.raises(TrainingError) as solo_error:
        bad.fit(_unit(1, OPTIMIZERS["sgd"], poison=True)[1], val=val, epochs=3)
    assert isinstance(out[1], TrainingError) and str(out[1]) == str(solo_error.value)
    for s, i in ((0, 0), (2, 2)):
        tr, ld, val = _unit(s, OPTIMIZERS["sgd"])
        tr.fit(ld, val=val, epochs=3)
        _same(tr, units[i][0])


def test_stacked_gemm_is_per_slice_bitwise():
    """The premise: matmul on a stack of row views equals the 2-D products, in every layout the
    stack uses (strided rows of a parameter array, transposed operands, ``out=`` views)."""
    rng = np.random.default_rng(0)
    models = [MLP(784, [256], 10, seed=s) for s in range(3)]
    stack = StackedMLP(models)
    x = rng.random((3, 40, 784), dtype=np.float32)
    out = stack.forward(x)
    g = rng.standard_normal(out.shape, dtype=np.float32)
    stack.backward(g)
    for i, m in enumerate(models):
        assert np.array_equal(m.forward(x[i], training=True), out[i])
        m.backward(g[i])
        assert np.array_equal(m.gradients()[0], stack.grads[i])


def test_refuses_models_that_cannot_share_a_stack():
    with pytest.raises(ConfigError, match="one architecture"):
        StackedMLP([MLP(64, [16], 3, seed=0), MLP(64, [8], 3, seed=1)])
    a, la, _ = _unit(0, OPTIMIZERS["sgd"])
    b, lb, _ = _unit(1, OPTIMIZERS["adam"])
    with pytest.raises(ConfigError, match="optimizers differ"):
        fit_stacked([a, b], [la, lb], epochs=1)
    with pytest.raises(ConfigError, match=r"every model must be an MLP of one architecture "
                                          r"\(None\); got 'not a model'"):
        StackedMLP(["not a model", MLP(64, [16], 3, seed=0)])


class _OwnSGD:
    """An optimizer of the user's own: it has step and lr, but not augfit's per-row state."""

    def __init__(self):
        self.lr = 0.01

    def step(self, params, grads, decay_mask=None):
        del decay_mask
        for p, g in zip(params, grads, strict=True):
            p -= self.lr * g


def test_refuses_an_optimizer_that_is_not_augfits():
    a, la, _ = _unit(0, _OwnSGD)
    b, lb, _ = _unit(1, _OwnSGD)
    with pytest.raises(ConfigError, match=r"fit_stacked: the models step together with one of "
                                          r"augfit.nn.optim's optimizers \(SGD, Momentum, Adam\), "
                                          r"got _OwnSGD; train these models one by one"):
        fit_stacked([a, b], [la, lb], epochs=1)


def test_eval_every_periods_match():
    _compare({"steps": 37, "eval_every": 4}, opt=OPTIMIZERS["adam"], dropout=0.2)
    assert math.ceil(37 / 4) == 10


# --- found by make mutate: every refusal in full, and the stack's bookkeeping -------------------


class _Batches:
    """A loader (anything iterable with a length) yielding ``batches`` and claiming ``n``."""

    def __init__(self, batches, n=None):
        self.batches, self.n = batches, len(batches) if n is None else n

    def __iter__(self):
        return iter(self.batches)

    def __len__(self):
        return self.n


def _batch(rows, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((rows, 64), dtype=np.float32), np.arange(rows) % 3


def _trainer(seed=0, **kwargs):
    return Trainer(MLP(64, [8], 3, seed=seed), optimizer=SGD(lr=0.1), **kwargs)


class _Odd:
    def __repr__(self):
        return "Odd()"


def test_the_stack_refuses_what_it_cannot_hold_naming_it():
    with pytest.raises(ConfigError, match=r"^StackedMLP\(models=\.\.\.\) needs at least one "
                                          r"MLP$"):
        StackedMLP([])
    shape = {k: v for k, v in MLP(64, [16], 3, seed=0).config.items() if k != "seed"}
    with pytest.raises(ConfigError) as e:
        StackedMLP([MLP(64, [16], 3, seed=0), _Odd()])
    assert str(e.value) == (f"StackedMLP(models=...): every model must be an MLP of one "
                            f"architecture ({shape}); got Odd()")
    odd = MLP(64, [16], 3, seed=0)
    odd.layers.append(_Odd())
    with pytest.raises(ConfigError, match=r"^StackedMLP: unknown layer Odd\(\)$"):
        StackedMLP([odd])


def test_models_of_one_architecture_but_other_seeds_share_a_stack_as_views_of_its_rows():
    models = [MLP(64, [16], 3, seed=s, dropout=0.5) for s in range(3)]
    before = [m.get_weights() for m in models]
    stack = StackedMLP(models)
    assert stack.params.shape == (3, models[0].n_params) and stack.active == 3
    assert stack.lanes == [0, 1, 2] and stack.dtype == np.float32
    for m, w in zip(models, before, strict=True):
        assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), w, strict=True))
    stack.params[1] += 1                              # the models' arrays are the stack's rows
    assert np.array_equal(models[1].get_weights()[0], before[1][0] + 1)
    # row 0 leaves: it keeps its values in arrays of its own; the last row moves into its place
    assert stack.release(0) == 0
    assert stack.lanes == [2, 1] and stack.active == 2
    stack.params[:] = 0
    assert np.array_equal(models[0].get_weights()[0], before[0][0])
    assert not models[2].get_weights()[0].any()       # model 2 now lives in row 0
    assert stack.release(1) == 1 and stack.lanes == [2] and stack.active == 1


def test_fit_stacked_refuses_what_cannot_step_together_naming_it():
    ld = [_Batches([_batch(4)]), _Batches([_batch(4)])]
    with pytest.raises(ConfigError, match=r"^fit_stacked: one loader per trainer, got 2 trainers "
                                          r"and 1 loaders$"):
        fit_stacked([_trainer(0), _trainer(1)], ld[:1], epochs=1)
    with pytest.raises(ConfigError, match=r"got 0 trainers and 0 loaders$"):
        fit_stacked([], [], epochs=1)
    a, b = _trainer(0), Trainer(MLP(64, [8], 3, seed=1), optimizer=SGD(lr=0.2))
    with pytest.raises(ConfigError) as e:
        fit_stacked([a, b], ld, epochs=1)
    opts = sorted({("SGD", repr(sorted((k, v) for k, v in vars(t.optimizer).items()
                                       if k not in ("state", "t")))) for t in (a, b)})
    assert str(e.value) == (f"fit_stacked: the trainers' optimizers differ ({opts}); models "
                            f"stacked together use one optimizer setting")
    with pytest.raises(ConfigError, match=r"^fit_stacked: the loaders have different lengths "
                                          r"\[1, 2\]; stacked models step together, so their "
                                          r"data must give the same number of batches$"):
        fit_stacked([_trainer(0), _trainer(1)], [ld[0], _Batches([_batch(4)] * 2)], epochs=1)
    with pytest.raises(ConfigError, match=r"^fit_stacked: one val per trainer \(or val=None\), "
                                          r"got 2 trainers and 1 vals$"):
        fit_stacked([_trainer(0), _trainer(1)], ld, val=[_batch(4)], epochs=1)
    with pytest.raises(ConfigError, match=r"^fit_stacked: the trainers' losses differ "
                                          r"\(\[\('cross_entropy', 0\.0\), \('cross_entropy', "
                                          r"0\.25\)\]\)$"):
        fit_stacked([_trainer(0), _trainer(1, label_smoothing=0.25)], ld, epochs=1)


def test_an_optimizers_own_state_and_step_count_do_not_keep_it_out_of_a_stack():
    used = _trainer(0)
    used.fit(*_batch(6), epochs=2, batch_size=3)
    assert used.optimizer.t == 4
    out = fit_stacked([used, _trainer(1)], [_Batches([_batch(6)]), _Batches([_batch(6, 1)])],
                      epochs=1)
    assert [len(h.history["loss"]) for h in out] == [1, 1]


def test_batches_that_cannot_be_stacked_are_refused_naming_why():
    import scipy.sparse as sp

    x, y = _batch(4)
    with pytest.raises(ConfigError, match=r"^fit_stacked: sparse \(CSR\) batches cannot be "
                                          r"stacked; train these models one by one$"):
        fit_stacked([_trainer(0), _trainer(1)],
                    [_Batches([(x, y)]), _Batches([(sp.csr_matrix(x), y)])], epochs=1)
    with pytest.raises(ShapeError, match=r"^fit_stacked: the models' batches differ in shape "
                                         r"\[\(3, 64\), \(4, 64\)\]$"):
        fit_stacked([_trainer(0), _trainer(1)], [_Batches([(x, y)]), _Batches([_batch(3)])],
                    epochs=1)
    with pytest.raises(ShapeError, match=r"^fit_stacked: the loaders yielded different numbers "
                                         r"of batches in one epoch$"):
        fit_stacked([_trainer(0), _trainer(1)], [_Batches([(x, y)] * 2),
                                                  _Batches([(x, y)], n=2)], epochs=1)
    with pytest.raises(ShapeError, match=r"^the training data yielded no batches in epoch 0; the "
                                         r"dataset or loader is empty$"):
        fit_stacked([_trainer(0), _trainer(1)], [_Batches([], n=1), _Batches([], n=1)],
                    epochs=1)


class _EndLogs(Callback):
    """Keeps the logs training begins and ends with."""

    def on_train_begin(self, logs=None):
        self.begun = logs

    def on_train_end(self, logs=None):
        self.logs = dict(logs)


def test_each_model_ends_as_its_own_fit_ends_logs_diagnostics_and_warnings():
    """One class only: a model that ran its whole budget learned nothing (a diagnostic and a
    warning, as its own fit gives); one that early stopping ended after 2 of 4 epochs is not
    judged. The callbacks end on the last epoch's logs."""
    rng = np.random.default_rng(3)
    x, val = rng.random((64, 8, 8), dtype=np.float32), rng.random((16, 64), dtype=np.float32)
    data = from_arrays(x, np.zeros(64, int), modality="image")

    def unit(seed, stop):
        callbacks = [_EndLogs(), *([EarlyStopping(patience=1, min_delta=10.0)] if stop else [])]
        return (Trainer(MLP(64, [8], 3, seed=seed), optimizer=SGD(lr=0.01), callbacks=callbacks),
                DataLoader(data, batch_size=32, seed=seed))

    solo = [unit(0, True), unit(1, False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AugfitWarning)
        for tr, ld in solo:
            tr.fit(ld, val=(val, np.zeros(16, int)), epochs=4)
    stacked = [unit(0, True), unit(1, False)]
    with pytest.warns(AugfitWarning) as caught:
        fit_stacked([t for t, _ in stacked], [ld for _, ld in stacked],
                    val=[(val, np.zeros(16, int))] * 2, epochs=4)
    assert [len(t.history.history["loss"]) for t, _ in stacked] == [2, 4]
    assert stacked[0][0].diagnostics == []
    assert stacked[1][0].diagnostics[0].startswith("the model learned nothing: after all 4 "
                                                   "epochs")
    mine = [w for w in caught if w.category is AugfitWarning]
    assert [str(w.message) for w in mine] == stacked[1][0].diagnostics
    # it points at the caller, not into stacked.py (the caller is this file; under mutmut, whose
    # trampolines add a frame to every call, it is the trampoline)
    assert mine[0].filename != sys.modules["augfit.train.stacked"].__file__
    for (a, _), (b, _) in zip(solo, stacked, strict=True):
        _same(a, b)
        assert a.callbacks[0].logs == b.callbacks[0].logs
        assert a.callbacks[0].begun == b.callbacks[0].begun == {}
        assert set(b.callbacks[0].logs) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_val_as_a_dataset_a_schedule_over_epochs_and_nothing_printed(capsys):
    """val given as a Dataset (featurized by each loader, as the cells give it), a cosine schedule
    bound to an epoch budget: the same bits as each fit alone, and no progress output."""
    def units():
        out = []
        for s in (0, 1):
            tr, ld, _ = _unit(s, OPTIMIZERS["adam"], schedule=lambda: CosineSchedule(warmup=0.3))
            out.append((tr, ld, _data(50 + s, n=60)))
        return out

    solo = units()
    for tr, ld, val in solo:
        tr.fit(ld, val=val, epochs=3, verbose=0)
    capsys.readouterr()
    stacked = units()
    fit_stacked([u[0] for u in stacked], [u[1] for u in stacked], val=[u[2] for u in stacked],
                epochs=3)
    flushed = NUMERICS_FLUSHED if flushing_available() else NUMERICS_PLAIN   # fit's default
    assert capsys.readouterr() == ("", "")
    for (a, _, _), (b, _, _) in zip(solo, stacked, strict=True):
        _same(a, b)
        assert a.params == b.params == {"epochs": 3, "steps": 5, "batch_size": 128,
                                        "total_steps": 15, "numerics": flushed}


def test_a_stack_of_one_and_a_diverged_model_gets_its_base_learning_rate_back():
    (a, la, va), (b, lb, vb) = (_unit(0, OPTIMIZERS["sgd"]) for _ in range(2))
    a.fit(la, val=va, epochs=2)
    out = fit_stacked([b], [lb], val=[vb], epochs=2)
    assert out[0] is b.history
    _same(a, b)
    cosine = lambda: CosineSchedule(warmup=0.5)                      # noqa: E731
    units = [_unit(0, OPTIMIZERS["sgd"], schedule=cosine),
             _unit(1, OPTIMIZERS["sgd"], schedule=cosine, poison=True)]
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], val=[u[2] for u in units],
                      epochs=2)
    assert isinstance(out[1], TrainingError)
    assert units[1][0].optimizer.lr == units[0][0].optimizer.lr == 0.1


class _Begin(Callback):
    """Notes every on_epoch_begin call; fails its model at epoch ``fail_at`` if given."""

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append((epoch, dict(logs)))
        if epoch == self.fail_at:
            raise TrainingError(f"planted at epoch {epoch}")


def test_epoch_begin_hooks_as_in_fit_and_a_model_failing_there_leaves_alone():
    units = [_unit(s, OPTIMIZERS["sgd"], callbacks=[_Begin]) for s in (0, 1)] + \
        [_unit(2, OPTIMIZERS["sgd"], callbacks=[lambda: _Begin(fail_at=1)])]
    solo = [_unit(s, OPTIMIZERS["sgd"], callbacks=[_Begin]) for s in (0, 1)]
    for tr, ld, val in solo:
        tr.fit(ld, val=val, epochs=3)
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], val=[u[2] for u in units],
                      epochs=3)
    assert isinstance(out[2], TrainingError) and str(out[2]) == "planted at epoch 1"
    assert [c[0] for c in units[2][0].callbacks[0].calls] == [0, 1]
    for (a, _, _), (b, _, _) in zip(solo, units[:2], strict=True):
        _same(a, b)
        assert a.callbacks[0].calls == b.callbacks[0].calls
        assert [e for e, _ in b.callbacks[0].calls] == [0, 1, 2]
        assert b.callbacks[0].calls[1][1] == {k: a.history.history[k][0]
                                              for k in ("loss", "accuracy", "val_loss",
                                                        "val_accuracy")}


def test_a_loaders_bad_labels_are_named_with_their_batch_and_epoch():
    x, y = _batch(4)
    with pytest.raises(ShapeError, match=r"^labels of loader batch 0 \(epoch 0\) must be in"):
        fit_stacked([_trainer(0), _trainer(1)], [_Batches([(x, y)]), _Batches([(x, y + 5)])],
                    epochs=1)


# --- found by make mutate, second run (on the typed layout) ------------------------------------


def test_a_loader_that_claims_no_length_ends_judged_on_the_epochs_it_ran():
    """A loader whose len() is 0 yet yields batches: with a step budget the run's epoch count is
    unknown, so "learned nothing" is judged on the epochs in the History, as fit judges it."""
    def unit(seed):
        rng = np.random.default_rng(seed)
        batches = [(rng.random((4, 64), dtype=np.float32), np.zeros(4, int)) for _ in range(2)]
        return Trainer(MLP(64, [8], 3, seed=seed), optimizer=SGD(lr=0.01)), _Batches(batches, n=0)

    solo = [unit(s) for s in (0, 1)]
    for tr, ld in solo:
        tr.fit(ld, steps=4)
    stacked = [unit(s) for s in (0, 1)]
    fit_stacked([t for t, _ in stacked], [ld for _, ld in stacked], steps=4)
    for (a, _), (b, _) in zip(solo, stacked, strict=True):
        _same(a, b)
        assert len(b.history.epoch) == 2
        assert b.diagnostics[0].startswith("the model learned nothing: after all 2 epochs")


class _BatchLog(Callback):
    """Notes every on_batch_end call (batch index and logs); fails its model at call ``fail_at``
    (counting from 0) if given."""

    def __init__(self, fail_at=None):
        self.calls, self.fail_at = [], fail_at

    def on_batch_end(self, batch, logs=None):
        self.calls.append((batch, dict(logs)))
        if len(self.calls) - 1 == self.fail_at:
            raise TrainingError(f"planted at call {self.fail_at}")


def test_batch_hooks_see_each_models_batch_and_logs_and_a_model_failing_there_leaves_alone():
    """on_batch_end gets each model's batch index, loss and batch size as in its own fit (the last
    batch of an epoch is short: 150 = 4 x 32 + 22); a TrainingError raised there fails that model
    only, with the weights it had when its own fit raised."""
    def units(fail_at):
        return [_unit(s, OPTIMIZERS["sgd"],
                      callbacks=[lambda s=s: _BatchLog(fail_at if s == 1 else None)])
                for s in (0, 1, 2)]

    solo = units(None)
    for tr, ld, val in solo:
        tr.fit(ld, val=val, epochs=2)
    bad, ld, val = units(6)[1]
    with pytest.raises(TrainingError, match=r"^planted at call 6$"):
        bad.fit(ld, val=val, epochs=2)
    stacked = units(6)
    out = fit_stacked([u[0] for u in stacked], [u[1] for u in stacked],
                      val=[u[2] for u in stacked], epochs=2)
    assert isinstance(out[1], TrainingError) and str(out[1]) == "planted at call 6"
    b = stacked[1][0]
    assert b.step_count == bad.step_count == 7
    assert b.callbacks[0].calls == bad.callbacks[0].calls
    assert all(np.array_equal(p, q) for p, q in zip(bad.model.get_weights(),
                                                     b.model.get_weights(), strict=True))
    for i in (0, 2):
        a, b = solo[i][0], stacked[i][0]
        _same(a, b)
        assert a.callbacks[0].calls == b.callbacks[0].calls
        assert [(i, lg["size"]) for i, lg in b.callbacks[0].calls[:5]] == \
            [(0, 32), (1, 32), (2, 32), (3, 32), (4, 22)]
        assert all(set(lg) == {"loss", "size"} and 0 < lg["loss"] < 5
                   for _, lg in b.callbacks[0].calls)


@pytest.mark.parametrize("smoothing", [0.0, 0.1], ids=["stacked-loss", "own-loss"])
def test_a_model_whose_loss_diverges_mid_epoch_ends_as_its_own_fit_without_that_step(smoothing):
    """Model 1's third batch holds an inf, so its loss is NaN at step 2: its own fit raises
    before stepping, so the stacked model takes no step there either (no weight decay, no
    momentum update, its optimizer's step count 2), while models 0 and 2 train on. With label
    smoothing each model's loss is computed alone, without it in one call for the stack."""
    def units():
        out = []
        for s in (0, 1, 2):
            batches = [_batch(4, 10 * s + k) for k in range(4)]
            if s == 1:
                batches[2][0][1, 5] = np.inf
            out.append((Trainer(MLP(64, [8], 3, seed=s), optimizer=OPTIMIZERS["momentum"](),
                                label_smoothing=smoothing), _Batches(batches)))
        return out

    solo = units()
    for s, (tr, ld) in enumerate(solo):
        if s == 1:
            with pytest.raises(TrainingError, match=r"^loss became nan at epoch 0, batch 2 "
                                                    r"\(counting from 0\): the input batch holds "
                                                    r"NaN or inf"):
                tr.fit(ld, epochs=2)
        else:
            tr.fit(ld, epochs=2)
    stacked = units()
    out = fit_stacked([t for t, _ in stacked], [ld for _, ld in stacked], epochs=2)
    assert isinstance(out[1], TrainingError)
    assert str(out[1]).startswith("loss became nan at epoch 0, batch 2 (counting from 0): the "
                                  "input batch holds NaN or inf")
    bad, sbad = solo[1][0], stacked[1][0]
    assert bad.step_count == sbad.step_count == 2 and bad.optimizer.t == sbad.optimizer.t == 2
    assert all(np.array_equal(p, q) for p, q in zip(bad.model.get_weights(),
                                                     sbad.model.get_weights(), strict=True))
    (_, lr1, s1), (_, lr2, s2) = _state(bad), _state(sbad)
    assert lr1 == lr2 == 0.05 and s1.keys() == s2.keys() == {"shape", "v"}
    assert np.array_equal(s1["v"], s2["v"])
    for i in (0, 2):
        _same(solo[i][0], stacked[i][0])


def test_when_every_model_diverges_at_one_step_each_gets_its_own_error():
    units = [_unit(s, OPTIMIZERS["sgd"], poison=True) for s in (0, 1)]
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], epochs=2)
    for s, (tr, err) in enumerate(zip([u[0] for u in units], out, strict=True)):
        solo, ld, _ = _unit(s, OPTIMIZERS["sgd"], poison=True)
        with pytest.raises(TrainingError) as e:
            solo.fit(ld, epochs=2)
        assert isinstance(err, TrainingError) and str(err) == str(e.value)
        assert str(err).startswith("loss became nan at epoch 0, batch 0 (counting from 0)")
        assert tr.step_count == tr.optimizer.t == 0


class _Plain(Callback):
    """A callback whose class keeps the base no-op on_batch_end; a test gives one instance its own
    (fit picks the batch callbacks by class, so it never calls that one)."""


def test_batch_callbacks_are_picked_by_class_as_in_fit():
    def units():
        out = []
        for s in (0, 1):
            tr, ld, val = _unit(s, OPTIMIZERS["sgd"], callbacks=[_Plain])
            calls = []
            tr.callbacks[0].on_batch_end = lambda b, *_, calls=calls: calls.append(b)
            out.append((tr, ld, val, calls))
        return out

    solo = units()
    for tr, ld, val, _ in solo:
        tr.fit(ld, val=val, epochs=1)
    stacked = units()
    fit_stacked([u[0] for u in stacked], [u[1] for u in stacked], val=[u[2] for u in stacked],
                epochs=1)
    assert [u[3] for u in stacked] == [u[3] for u in solo] == [[], []]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_hidden_layers_of_one_width_keep_their_own_activations_and_masks(activation):
    """Two hidden layers of 16 units with dropout: each layer's saved activations and dropout
    mask stay its own through the backward pass (the same bits as each fit alone)."""
    def unit(seed):
        loader = DataLoader(_data(seed), batch_size=32, seed=100 + seed)
        return Trainer(MLP(64, [16, 16], 3, dropout=0.3, seed=seed, activation=activation),
                       optimizer=OPTIMIZERS["adam"]()), loader

    solo = [unit(s) for s in (0, 1)]
    for tr, ld in solo:
        tr.fit(ld, epochs=2)
    stacked = [unit(s) for s in (0, 1)]
    fit_stacked([t for t, _ in stacked], [ld for _, ld in stacked], epochs=2)
    for (a, _), (b, _) in zip(solo, stacked, strict=True):
        _same(a, b)


def test_a_first_layer_that_passes_its_input_gradient_on_ends_the_backward_pass_there():
    """The stack reads each Dense layer's input_grad: with the first layer's set, the backward
    pass also computes the input gradient and stops there, with every row's gradients as the
    model's own backward gives them."""
    rng = np.random.default_rng(1)
    models = [MLP(12, [8], 3, seed=s) for s in range(2)]
    for m in models:
        m.dense[0].input_grad = True
    stack = StackedMLP(models)
    x = rng.random((2, 5, 12), dtype=np.float32)
    out = stack.forward(x)
    g = rng.standard_normal(out.shape, dtype=np.float32)
    stack.backward(g)
    for i, m in enumerate(models):
        assert np.array_equal(m.forward(x[i], training=True), out[i])
        m.backward(g[i])
        assert np.array_equal(m.gradients()[0], stack.grads[i])


def test_a_model_diverging_at_its_first_step_keeps_no_momentum():
    """Row 0 diverges at step 0 while rows 1 and 2 take their first step (and make the stack's
    momentum buffers): the diverged model leaves with step count 0 and a zero velocity."""
    units = [_unit(0, OPTIMIZERS["momentum"], poison=True), _unit(1, OPTIMIZERS["momentum"]),
             _unit(2, OPTIMIZERS["momentum"])]
    out = fit_stacked([u[0] for u in units], [u[1] for u in units], epochs=1)
    assert isinstance(out[0], TrainingError) and out[1] is units[1][0].history
    opt = units[0][0].optimizer
    assert opt.t == 0 and len(opt.state) == 1 and not opt.state[0]["v"].any()
    assert units[1][0].optimizer.state[0]["v"].any()


def test_more_models_than_parameters_share_one_pass():
    """Seven 1-1-2 MLPs (6 parameters each) step in one pass over all rows: the same bits as each
    fit alone."""
    def units():
        out = []
        for s in range(7):
            rng = np.random.default_rng(s)
            batches = [(rng.random((4, 1), dtype=np.float32), np.array([0, 1, 1, 0]))
                       for _ in range(2)]
            out.append((Trainer(MLP(1, [1], 2, seed=s), optimizer=OPTIMIZERS["momentum"]()),
                        _Batches(batches)))
        return out

    solo = units()
    for tr, ld in solo:
        tr.fit(ld, epochs=2)
    stacked = units()
    assert stacked[0][0].model.n_params == 6
    fit_stacked([t for t, _ in stacked], [ld for _, ld in stacked], epochs=2)
    for (a, _), (b, _) in zip(solo, stacked, strict=True):
        _same(a, b)


@pytest.mark.parametrize("smoothing, mix", [(0.1, None), (0.0, MixUp(alpha=0.4))],
                         ids=["smoothing", "mixup"])
def test_losses_other_than_plain_cross_entropy_on_hard_labels_are_each_models_own(smoothing,
                                                                                   mix):
    """Label smoothing on hard labels, or cross-entropy on MixUp's soft labels: each model's own
    loss (not the stack's one cross-entropy), its batch hooks' logs as in its own fit."""
    def units():
        return [_unit(s, OPTIMIZERS["adam"], label_smoothing=smoothing, augment=mix,
                      callbacks=[_BatchLog]) for s in (0, 1)]

    solo = units()
    for tr, ld, val in solo:
        tr.fit(ld, val=val, epochs=2)
    stacked = units()
    fit_stacked([u[0] for u in stacked], [u[1] for u in stacked], val=[u[2] for u in stacked],
                epochs=2)
    for (a, _, _), (b, _, _) in zip(solo, stacked, strict=True):
        _same(a, b)
        assert a.callbacks[0].calls == b.callbacks[0].calls
        assert all(isinstance(lg["loss"], float) for _, lg in b.callbacks[0].calls)
