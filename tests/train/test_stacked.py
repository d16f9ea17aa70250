"""Stacked training (augfit.train.stacked) is bit-identical to training each model alone.

Each test trains three units (different data, seeds, loaders) once with ``Trainer.fit`` each and
once with ``fit_stacked``, and compares everything a fit leaves behind: the History (every float),
the final weights, the optimizer's state and step count, the callbacks' state.
"""
import math

import numpy as np
import pytest

from augfit.data.loader import DataLoader
from augfit.datasets import from_arrays
from augfit.errors import ConfigError, TrainingError
from augfit.nn import MLP
from augfit.nn.optim import SGD, Adam, Momentum
from augfit.train.callbacks import EarlyStopping, ReduceLROnPlateau, WeightAveraging
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
