"""Optimizers: each update against the textbook formula, step by step."""
import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.nn import SGD, Adam, Momentum
from augfit.nn.init import INITIALIZERS


def _run(opt, steps=5, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(7)
    p0 = p.copy()
    gs = [rng.standard_normal(7) for _ in range(steps)]
    for g in gs:
        opt.step([p], [g.copy()])
    return p0, gs, p


def test_sgd_with_weight_decay():
    p0, gs, p = _run(SGD(lr=0.1, weight_decay=0.01))
    want = p0.copy()
    for g in gs:
        want = want - 0.1 * (g + 0.01 * want)
    np.testing.assert_allclose(p, want, rtol=1e-13)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum(nesterov):
    p0, gs, p = _run(Momentum(lr=0.05, momentum=0.8, nesterov=nesterov))
    want, v = p0.copy(), np.zeros(7)
    for g in gs:
        v = 0.8 * v - 0.05 * g
        want = want + (0.8 * v - 0.05 * g if nesterov else v)
    np.testing.assert_allclose(p, want, rtol=1e-13)


def test_adam_matches_the_textbook_update():
    p0, gs, p = _run(Adam(lr=0.01, beta1=0.9, beta2=0.99, eps=1e-7, weight_decay=0.001), steps=8)
    want, m, v = p0.copy(), np.zeros(7), np.zeros(7)
    for t, g in enumerate(gs, start=1):
        g = g + 0.001 * want
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        want = want - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-7)
    np.testing.assert_allclose(p, want, rtol=1e-12)


def test_adam_float32_stays_float32():
    p = np.ones(3, np.float32)
    Adam().step([p], [np.ones(3, np.float32)])
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, 1 - 1e-3, rtol=1e-6)  # first Adam step has size lr


@pytest.mark.parametrize("make", [lambda: SGD(lr=0), lambda: Adam(beta1=1.0),
                                  lambda: Momentum(momentum=-0.1), lambda: SGD(weight_decay=-1)])
def test_bad_hyperparameters(make):
    with pytest.raises(ConfigError, match="must be a number in"):
        make()


@pytest.mark.parametrize("name, var", [("glorot_uniform", 2 / (300 + 200)),
                                       ("glorot_normal", 2 / (300 + 200)),
                                       ("he_uniform", 2 / 300), ("he_normal", 2 / 300)])
def test_initialisers_have_their_variance(name, var):
    w = INITIALIZERS[name](np.random.default_rng(0), 300, 200, "float64")
    assert w.shape == (300, 200)
    assert w.var() == pytest.approx(var, rel=0.02)  # 60k draws
    assert abs(w.mean()) < 0.01
