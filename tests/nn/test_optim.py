"""Optimizers: each update against the textbook formula, step by step."""
import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.nn import SGD, Adam, Momentum
from augfit.nn.init import INITIALIZERS
from augfit.nn.optim import Optimizer


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


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(lr=0), r"SGD\(lr=\.\.\.\) must be a number > 0, got 0"),
    (lambda: Adam(beta1=1.0), r"Adam\(beta1=\.\.\.\) must be a number in \[0, 1\), got 1\.0"),
    (lambda: Momentum(momentum=-0.1), r"must be a number in \[0, 1\), got -0\.1"),
    (lambda: SGD(weight_decay=-1), r"SGD\(weight_decay=\.\.\.\) must be a number >= 0")])
def test_bad_hyperparameters(make, message):
    with pytest.raises(ConfigError, match=message):
        make()


@pytest.mark.parametrize("name, var", [("glorot_uniform", 2 / (300 + 200)),
                                       ("glorot_normal", 2 / (300 + 200)),
                                       ("he_uniform", 2 / 300), ("he_normal", 2 / 300)])
def test_initialisers_have_their_variance(name, var):
    w = INITIALIZERS[name](np.random.default_rng(0), 300, 200, "float64")
    assert w.shape == (300, 200)
    assert w.var() == pytest.approx(var, rel=0.02)  # 60k draws
    assert abs(w.mean()) < 0.01


# -- weight decay that skips the biases -----------------------------------------------------------
@pytest.mark.parametrize("cls", [SGD, Momentum, Adam])
def test_decay_bias_false_leaves_biases_out_of_weight_decay(cls):
    from augfit.nn import MLP

    model = MLP(3, [4], 2, seed=0, dtype="float64")
    mask = model.decay_mask()[0]
    # layout [W1 (3x4), b1 (4), W2 (4x2), b2 (2)]: zeros exactly on the biases
    np.testing.assert_array_equal(mask, np.r_[np.ones(12), np.zeros(4), np.ones(8), np.zeros(2)])
    p0 = np.linspace(-2, 2, mask.size)  # non-zero biases, so decaying them would show
    g = np.cos(np.arange(mask.size))
    a, b, c, d = p0.copy(), p0.copy(), p0.copy(), p0.copy()
    cls(lr=0.1, weight_decay=0.5, decay_bias=False).step([a], [g.copy()], decay_mask=[mask])
    cls(lr=0.1, weight_decay=0.5).step([b], [g.copy()])               # every parameter (old)
    cls(lr=0.1).step([c], [g + 0.5 * p0 * mask])                     # the decay by hand
    cls(lr=0.1).step([d], [g.copy()])                                # no decay at all
    np.testing.assert_allclose(a, c, rtol=1e-13)
    bias = mask == 0
    np.testing.assert_allclose(a[bias], d[bias], rtol=1e-13)
    if cls is not Adam:  # (Adam's first step is lr·sign(g) whatever the decay)
        assert np.abs(a[bias] - b[bias]).min() > 1e-3
    np.testing.assert_allclose(a[~bias], b[~bias], rtol=1e-13)


def test_decay_bias_false_needs_a_mask_and_a_bool():
    with pytest.raises(ConfigError, match="decay_mask"):
        SGD(lr=0.1, weight_decay=0.1, decay_bias=False).step([np.ones(3)], [np.ones(3)])
    with pytest.raises(ConfigError, match=r"decay_bias=\.\.\.\) must be True"):
        SGD(decay_bias="no")


# -- every hyperparameter's bounds, both ends, with the whole message (found by make mutate) -----
@pytest.mark.parametrize("cls, kwargs, message", [
    (SGD, {"lr": 0}, "SGD(lr=...) must be a number > 0, got 0"),
    (Momentum, {"lr": -1}, "Momentum(lr=...) must be a number > 0, got -1"),
    (Adam, {"lr": 0}, "Adam(lr=...) must be a number > 0, got 0"),
    (Momentum, {"weight_decay": -1}, "Momentum(weight_decay=...) must be a number >= 0, got -1"),
    (Adam, {"weight_decay": -0.5}, "Adam(weight_decay=...) must be a number >= 0, got -0.5"),
    (Adam, {"decay_bias": 1}, "Adam(decay_bias=...) must be True or False (True: decay every "
                              "parameter, False: weights only), got 1"),
    (Momentum, {"momentum": 1.0}, "Momentum(momentum=...) must be a number in [0, 1), got 1.0"),
    (Momentum, {"momentum": -0.1}, "Momentum(momentum=...) must be a number in [0, 1), got -0.1"),
    (Adam, {"beta1": -0.1}, "Adam(beta1=...) must be a number in [0, 1), got -0.1"),
    (Adam, {"beta2": 1.0}, "Adam(beta2=...) must be a number in [0, 1), got 1.0"),
    (Adam, {"beta2": -0.1}, "Adam(beta2=...) must be a number in [0, 1), got -0.1"),
    (Adam, {"eps": 0}, "Adam(eps=...) must be a number > 0, got 0"),
    (Adam, {"eps": -1e-9}, "Adam(eps=...) must be a number > 0, got -1e-09"),
])
def test_each_bound_is_refused_with_its_exact_message(cls, kwargs, message):
    with pytest.raises(ConfigError) as err:
        cls(**kwargs)
    assert str(err.value) == message


def test_the_closed_ends_of_the_bounds_are_accepted():
    """0 is allowed for weight decay, momentum and both betas (the ends the messages call closed);
    with beta1 = beta2 = 0 Adam's step is lr·g/(|g| + eps), i.e. lr·sign(g) here."""
    Momentum(momentum=0.0, weight_decay=0.0)
    opt = Adam(lr=0.5, beta1=0.0, beta2=0.0, eps=1e-8, weight_decay=0.0)
    p = np.zeros(3)
    opt.step([p], [np.array([2.0, -4.0, 8.0])])
    np.testing.assert_allclose(p, [-0.5, 0.5, -0.5], rtol=1e-8)


@pytest.mark.parametrize("opt, mask, message", [
    (Adam(lr=0.1, weight_decay=0.1, decay_bias=False), None,
     "Adam(decay_bias=False) needs step(..., decay_mask=...) with one 0/1 array per parameter "
     "(0 on biases), got none for 1 parameters; train through Trainer, which passes "
     "MLP.decay_mask()"),
    (Momentum(lr=0.1, weight_decay=0.1, decay_bias=False), [np.ones(3), np.ones(3)],
     "Momentum(decay_bias=False) needs step(..., decay_mask=...) with one 0/1 array per "
     "parameter (0 on biases), got 2 for 1 parameters; train through Trainer, which passes "
     "MLP.decay_mask()"),
])
def test_a_missing_or_misshapen_decay_mask_is_named(opt, mask, message):
    with pytest.raises(ConfigError) as err:
        opt.step([np.ones(3)], [np.ones(3)], decay_mask=mask)
    assert str(err.value) == message


@pytest.mark.parametrize("cls", [Momentum, Adam])
def test_reset_forgets_the_state_so_the_next_step_is_a_first_step(cls):
    opt, fresh = cls(lr=0.1), cls(lr=0.1)
    p, q = np.zeros(4), np.zeros(4)
    for _ in range(3):
        opt.step([p], [np.arange(4.0)])
    opt.reset()
    assert opt.state == [] and opt.t == 0
    p[:] = 0
    opt.step([p], [np.array([1.0, -2.0, 3.0, 0.5])])
    fresh.step([q], [np.array([1.0, -2.0, 3.0, 0.5])])
    assert opt.t == 1
    np.testing.assert_array_equal(p, q)


def test_the_defaults_are_the_documented_ones():
    sgd, mom, adam = SGD(), Momentum(), Adam()
    assert (sgd.lr, sgd.weight_decay, sgd.decay_bias) == (0.01, 0.0, True)
    assert (mom.lr, mom.momentum, mom.nesterov, mom.weight_decay, mom.decay_bias) == (
        0.01, 0.9, False, 0.0, True)
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weight_decay, adam.decay_bias) == (
        1e-3, 0.9, 0.999, 1e-8, 0.0, True)
    base = Optimizer(0.1)  # the base class's own defaults, for an optimizer of one's own
    assert (base.weight_decay, base.decay_bias, base.state, base.t) == (0.0, True, [], 0)
    assert (adam.state, adam.t) == ([], 0)


def test_gradients_that_do_not_match_the_parameters_are_refused():
    a, b = np.ones(2), np.ones(3)
    with pytest.raises(ValueError, match="zip"):
        SGD(lr=0.1).step([a, b], [np.ones(2)])
