"""Layers: forward values, finite-difference gradient checks (float64), stability, dropout."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from augfit.errors import ConfigError
from augfit.nn import Dense, Dropout, ReLU, Sigmoid, Tanh, sigmoid
from augfit.nn.gradcheck import check_layer

TOL = 1e-6


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_dense_forward_is_x_at_W_plus_b():
    d = Dense(3, 2, rng=0, dtype="float64")
    d.W[...] = [[1, 2], [3, 4], [5, 6]]
    d.b[...] = [0.5, -1]
    x = np.array([[1.0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(d.forward(x), [[1.5, 1], [9.5, 11]])


@pytest.mark.parametrize("layer", [lambda: Dense(4, 3, rng=1, dtype="float64"), ReLU, Sigmoid,
                                   Tanh], ids=["dense", "relu", "sigmoid", "tanh"])
def test_layer_gradients_match_finite_differences(layer):
    lay = layer()
    x = _x((5, 4))
    errors = check_layer(lay, x, seed=2)
    assert set(errors) >= {"x"}
    for name, err in errors.items():
        assert err < TOL, (name, err)


def test_dense_first_layer_sparse_input_gradient():
    x = sp.random(6, 8, density=0.3, format="csr", random_state=0, dtype=np.float64)
    d = Dense(8, 3, rng=0, dtype="float64", input_grad=False)
    errors = check_layer(d, x, seed=1)
    assert set(errors) == {"param0", "param1"}
    assert max(errors.values()) < TOL
    # the sparse forward equals the dense one
    np.testing.assert_allclose(d.forward(x), d.forward(x.toarray()), rtol=1e-12)


def test_first_dense_layer_returns_no_input_gradient():
    d = Dense(3, 2, rng=0, input_grad=False)
    d.forward(np.ones((4, 3), np.float32), training=True)
    assert d.backward(np.ones((4, 2), np.float32)) is None
    np.testing.assert_allclose(d.db, [4, 4])


def test_dropout_gradient_with_fixed_mask():
    drop = Dropout(0.5, rng=0)
    x = _x((4, 6))
    mask = (np.random.default_rng(3).random((4, 6)) < 0.5).astype(np.float64)
    drop.set_mask(mask)
    np.testing.assert_array_equal(drop.forward(x, training=True), x * mask * 2)
    assert check_layer(drop, x, seed=1)["x"] < TOL


def test_dropout_is_identity_in_evaluation_and_inverted_in_training():
    drop = Dropout(0.25, rng=0)
    x = np.ones((200, 500), np.float32)
    assert drop.forward(x, training=False) is x
    out = drop.forward(x, training=True)
    kept = out != 0
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.01  # 100k draws: sd of the share is ~0.0014
    g = drop.backward(np.ones_like(x))
    np.testing.assert_array_equal(g != 0, kept)


def test_dropout_mask_comes_from_its_generator():
    x = np.ones((3, 10))
    a = Dropout(0.5, rng=7).forward(x, training=True).copy()
    b = Dropout(0.5, rng=7).forward(x, training=True).copy()
    c = Dropout(0.5, rng=8).forward(x, training=True).copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("p", [-0.1, 1.0, "0.2", True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ConfigError, match=r"Dropout\(p=...\)"):
        Dropout(p)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_for_huge_inputs(dtype):
    z = np.array([-1e4, -50, 0, 50, 1e4], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
        a = Sigmoid().forward(z[None, :])
    assert s.dtype == dtype
    np.testing.assert_allclose(s, [0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)), 1],
                               rtol=1e-6, atol=0)
    np.testing.assert_array_equal(a[0], s)


def test_activation_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(ReLU().forward(z), [[0, 0, 3]])
    np.testing.assert_allclose(Tanh().forward(z), np.tanh(z))
    np.testing.assert_allclose(Sigmoid().forward(z), 1 / (1 + np.exp(-z)), rtol=1e-15)


def test_training_forward_reuses_buffers_and_evaluation_does_not():
    r = ReLU()
    x = np.ones((2, 3))
    assert r.forward(x, training=True) is r.forward(x, training=True)
    assert r.forward(x) is not r.forward(x)


# -- found by make mutate (docs/testing.md, "Mutation testing") --
@pytest.mark.parametrize("name,scale", [("glorot_uniform", np.sqrt(6 / 5)),
                                        ("glorot_normal", np.sqrt(2 / 5)),
                                        ("he_uniform", np.sqrt(6 / 3)),
                                        ("he_normal", np.sqrt(2 / 3))])
def test_initialisers_replay_their_draws_in_float32_by_default(name, scale):
    from augfit.nn.init import get_initializer
    init = get_initializer(name)
    w = init(np.random.default_rng(5), 3, 2)
    ref = np.random.default_rng(5)
    raw = (ref.uniform(-scale, scale, (3, 2)) if name.endswith("uniform")
           else ref.standard_normal((3, 2)) * scale)
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w, raw.astype(np.float32))
    w64 = init(np.random.default_rng(5), 3, 2, "float64")
    assert w64.dtype == np.float64
    np.testing.assert_array_equal(w64, raw)


def test_sigmoid_of_integers_is_float64_and_every_activation_reuses_its_training_buffer():
    np.testing.assert_allclose(sigmoid(np.array([0, 2, -2])),
                               [0.5, 1 / (1 + np.exp(-2)), 1 / (1 + np.exp(2))], rtol=1e-15)
    assert sigmoid(np.array([0, 2])).dtype == np.float64
    assert sigmoid(np.array([1], np.float16)).dtype == np.float32
    x = np.ones((2, 3))
    for act in (Sigmoid(), Tanh()):
        assert act.forward(x, training=True) is act.forward(x, training=True)
    assert [repr(a) for a in (ReLU(), Sigmoid(), Tanh(), Dropout(0.25))] == [
        "ReLU()", "Sigmoid()", "Tanh()", "Dropout(p=0.25)"]


def test_dropout_keep_probability_at_the_top_of_p_is_one_in_65536():
    assert Dropout(1 - 1 / 65536).keep == 1 / 65536
    assert Dropout(0.999999999).keep == 1 / 65536  # rounds to 0 kept of 65536: at least 1
    assert Dropout(0.0).keep == 1.0
    with pytest.raises(ConfigError, match=r"^rng must be None, a non-negative int"):
        Dropout(0.5, rng="x")


def test_dropout_scales_float32_by_the_float32_inverse_keep_and_reuses_its_buffers():
    x = _x((50, 40), seed=2).astype(np.float32)
    drop = Dropout(0.3, rng=4)
    out = drop.forward(x, training=True)
    kept = out != 0
    assert out.dtype == np.float32 and 0.6 < kept.mean() < 0.8
    # the mask is float32 1 / keep (not the float64 product rounded): bit for bit
    np.testing.assert_array_equal(out[kept], (x * np.float32(1 / drop.keep))[kept])
    g = drop.backward(np.ones_like(x))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.where(kept, np.float32(1 / drop.keep), 0))
    # one output buffer and one gradient buffer, rewritten by every batch of this shape
    assert drop.forward(x, training=True) is out
    assert drop.backward(np.ones_like(x)) is g
    # a fixed mask is scaled the same way, in x's dtype
    mask = (np.random.default_rng(1).random(x.shape) < 0.5).astype(np.float64)
    drop.set_mask(mask)
    np.testing.assert_array_equal(drop.forward(x, training=True),
                                  x * (mask / drop.keep).astype(np.float32))
    drop.set_mask(None)  # back to random masks, from the generator
    again = Dropout(0.3, rng=4)
    again.forward(x, training=True)
    again.forward(x, training=True)  # drop has drawn two masks so far
    np.testing.assert_array_equal(drop.forward(x, training=True) != 0,
                                  again.forward(x, training=True) != 0)


def test_dropout_backward_passes_the_gradient_through_outside_training():
    drop = Dropout(0.5, rng=0)
    g = np.ones((2, 3))
    assert drop.backward(g) is g  # before any forward
    x = _x((2, 3))
    assert drop.forward(x) is x  # evaluation is the default
    assert drop.backward(g) is g
    drop.forward(x, training=True)
    drop.forward(x, training=False)
    assert drop.backward(g) is g
    off = Dropout(0.0, rng=0)
    assert off.forward(x, training=True) is x  # p = 0 never draws a mask


def test_check_layer_uses_its_seed_and_eps_and_skips_what_has_no_gradient():
    from augfit.nn.gradcheck import check_loss
    from augfit.nn.losses import mse
    x = _x((3, 4))
    tanh = Tanh()
    first = check_layer(tanh, x)
    assert first == check_layer(tanh, x, seed=0)
    assert first != check_layer(tanh, x, seed=1)
    assert first["x"] < 1e-8 and check_layer(tanh, x, eps=0.1)["x"] > 1e-5
    out, y = _x((3, 2), seed=1), np.array([0, 1, 1])
    assert check_loss(mse, out, y) < 1e-8
    assert check_loss(mse, out, y, eps=0.5) == check_loss(mse, out, y, eps=0.5)
    assert check_loss(mse, out, y, eps=0.5) != check_loss(mse, out, y)
    # a first layer gives no input gradient; a sparse input is checked for the parameters only
    dense = Dense(4, 2, rng=0, dtype="float64", input_grad=False)
    assert set(check_layer(dense, x)) == {"param0", "param1"}
    inner = Dense(4, 2, rng=0, dtype="float64")
    errors = check_layer(inner, sp.csr_matrix(x))
    assert set(errors) == {"param0", "param1"} and max(errors.values()) < TOL


def test_check_layer_refuses_a_layer_whose_gradients_do_not_match_its_parameters():
    class Broken:
        def __init__(self):
            self.params, self.grads = [np.zeros(2)], []

        def forward(self, x, training=False):
            del training  # the same in training and evaluation
            return x + self.params[0]

        def backward(self, grad):
            return grad

    with pytest.raises(ValueError, match="zip"):
        check_layer(Broken(), _x((3, 2)))


def test_dense_and_activations_keep_float32_reuse_their_buffers_and_refit_a_new_batch():
    d = Dense(3, 2, rng=0)  # float32
    x = _x((4, 3)).astype(np.float32)
    z = d.forward(x, training=True)
    assert z.dtype == np.float32 and d.forward(x, training=True) is z
    dx = d.backward(np.ones((4, 2), np.float32))
    assert dx.dtype == np.float32 and d.backward(np.ones((4, 2), np.float32)) is dx
    assert d.forward(x) is not d.forward(x)  # evaluation (the default) allocates
    z5 = d.forward(_x((5, 3)).astype(np.float32), training=True)  # a new batch size: new buffer
    assert z5.shape == (5, 2)
    np.testing.assert_array_equal(z5, _x((5, 3)).astype(np.float32) @ d.W + d.b)
    for act in (ReLU(), Sigmoid(), Tanh()):
        a = act.forward(x, training=True)
        g = act.backward(np.ones_like(x))
        assert a.dtype == g.dtype == np.float32
        assert act.backward(np.ones_like(x)) is g
    with pytest.raises(ConfigError, match=r"^Dense\.backward\(\) called before forward\(\); run "
                                          r"forward\(x\) first$"):
        Dense(3, 2).backward(np.ones((1, 2)))
    with pytest.raises(ConfigError, match=r"^Tanh\.backward\(\) called before forward\(\)$"):
        Tanh().backward(np.ones((1, 2)))


def test_numerical_gradient_by_hand():
    from augfit.nn.gradcheck import numerical_gradient, relative_error
    x = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    g = numerical_gradient(lambda: float(np.sum(x.astype(np.float64) * [3, 5])), x, 0.25)
    assert g.dtype == np.float64  # float32 x, float64 gradient
    np.testing.assert_array_equal(g, [[3, 5], [3, 5]])
    z = np.array([1.0, -2.0])
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(z ** 3)), z), [3, 12],
                               rtol=1e-8)  # the default eps is small
    # with eps = 0.5 the central difference of x^3 is 3x^2 + eps^2, exactly
    y = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda: float(np.sum(y ** 3)), y, 0.5),
                               3 * y ** 2 + 0.25, rtol=1e-12)
    with pytest.raises(ValueError, match=r"^numerical_gradient\(x=\.\.\.\) needs a C-contiguous "
                                         r"array to perturb in place$"):
        numerical_gradient(lambda: 0.0, np.ones((3, 2)).T)
    # the norms are taken in float64 whatever the inputs' dtype
    a = np.float32([1.1, 2.3, 3.7])
    n = np.float32([1.1000001, 2.3000002, 3.6999998])
    a64, n64 = a.astype(np.float64), n.astype(np.float64)
    exact = float(np.linalg.norm(a64 - n64) / (np.linalg.norm(a64) + np.linalg.norm(n64)))
    assert relative_error(a, n) == exact
    assert relative_error(a, n64) == exact and relative_error(a64, n) == exact
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


def test_check_layer_perturbs_the_parameters_by_its_eps():
    # Dense is linear in W and b: a large eps is exact there, a tiny one only to rounding
    dense = Dense(4, 3, rng=0, dtype="float64")
    errors = check_layer(dense, _x((5, 4)), eps=0.5)
    assert errors["param0"] < 1e-13 and errors["param1"] < 1e-13
