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
