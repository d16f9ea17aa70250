"""MLP: the hand-worked chain-rule example, whole-network gradient checks, state and save/load."""
import math

import numpy as np
import pytest
import scipy.sparse as sp

from augfit.errors import ConfigError, ShapeError
from augfit.nn import MLP, Dropout, cross_entropy, mse
from augfit.nn.gradcheck import check_model
from augfit.nn.layers import Activation, ReLU, Sigmoid, Tanh


def _sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def test_hand_worked_two_layer_sigmoid_network_with_squared_error():
    """2 inputs -> 2 sigmoid units -> 1 sigmoid output, C = (y - a)² averaged over 3 samples.

    The gradients are written out from the chain rule, scalar by scalar, per sample.
    """
    model = MLP(2, [2], 1, activation="sigmoid", output_activation="sigmoid", dtype="float64")
    W1 = [[0.1, -0.2], [0.4, 0.3]]  # W1[i][j]: input i -> hidden j
    b1 = [0.05, -0.1]
    W2 = [[0.7], [-0.5]]
    b2 = [0.2]
    model.set_weights([np.array(W1), np.array(b1), np.array(W2), np.array(b2)])
    X = [[1.0, 2.0], [-1.0, 0.5], [0.0, -1.5]]
    Y = [1.0, 0.0, 1.0]
    n = len(X)

    dW1 = [[0.0, 0.0], [0.0, 0.0]]
    db1 = [0.0, 0.0]
    dW2 = [[0.0], [0.0]]
    db2 = [0.0]
    cost = 0.0
    for x, y in zip(X, Y, strict=True):
        z1 = [W1[0][j] * x[0] + W1[1][j] * x[1] + b1[j] for j in range(2)]
        a1 = [_sig(z) for z in z1]
        z2 = W2[0][0] * a1[0] + W2[1][0] * a1[1] + b2[0]
        a2 = _sig(z2)
        cost += (y - a2) ** 2 / n
        dC_da2 = 2 * (a2 - y) / n  # ∂C/∂a(L), C averaged over the samples
        delta2 = dC_da2 * a2 * (1 - a2)  # · ζ'(z(L)) = ζ(1 - ζ)
        for j in range(2):
            dW2[j][0] += delta2 * a1[j]  # · a(L-1)
        db2[0] += delta2
        for j in range(2):
            dC_da1 = W2[j][0] * delta2  # ∂C/∂a(L-1) = w(L) · ∂C/∂a(L) · ζ'(z(L))
            delta1 = dC_da1 * a1[j] * (1 - a1[j])
            for i in range(2):
                dW1[i][j] += delta1 * x[i]
            db1[j] += delta1

    out = model.forward(np.array(X), training=True)
    loss, grad = mse(out, np.array(Y)[:, None])
    model.backward(grad)
    assert loss == pytest.approx(cost, rel=1e-14)
    got = [model.dense[0].dW, model.dense[0].db, model.dense[1].dW, model.dense[1].db]
    for g, want in zip(got, [dW1, db1, dW2, db2], strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("loss", [cross_entropy, mse])
def test_whole_network_gradient_matches_finite_differences(activation, loss):
    rng = np.random.default_rng(0)
    model = MLP(5, [7, 4], 3, activation=activation, seed=1, dtype="float64")
    x = rng.standard_normal((6, 5))
    y = rng.integers(0, 3, 6)
    assert check_model(model, loss, x, y) < 1e-6


def test_network_gradient_with_dropout_fixed_masks():
    rng = np.random.default_rng(0)
    model = MLP(5, [6, 4], 3, dropout=0.5, seed=1, dtype="float64")
    x = rng.standard_normal((4, 5))
    # non-zero biases: a row whose units are all dropped would otherwise sit on ReLU's kink at 0
    model.parameters()[0][:] += 0.1 * rng.standard_normal(model.n_params)
    drops = [layer for layer in model.layers if isinstance(layer, Dropout)]
    assert len(drops) == 2
    for d, width in zip(drops, (6, 4), strict=True):
        d.set_mask(rng.random((4, width)) < 0.5)
    assert check_model(model, cross_entropy, x, rng.integers(0, 3, 4)) < 1e-6


def test_network_gradient_with_sparse_csr_input():
    x = sp.random(6, 20, density=0.2, format="csr", random_state=1, dtype=np.float64)
    model = MLP(20, [8], 3, seed=0, dtype="float64")
    y = np.array([0, 1, 2, 0, 1, 2])
    assert check_model(model, cross_entropy, x, y) < 1e-6
    np.testing.assert_allclose(model.forward(x), model.forward(x.toarray()), rtol=1e-12)


def test_float32_by_default_float64_on_request():
    m32 = MLP(4, [3], 2, seed=0)
    m64 = MLP(4, [3], 2, seed=0, dtype="float64")
    assert all(w.dtype == np.float32 for w in m32.get_weights())
    assert all(w.dtype == np.float64 for w in m64.get_weights())
    assert m32.forward(np.ones((1, 4), np.float32)).dtype == np.float32


def test_same_seed_same_initial_weights_other_seed_differs():
    a, b, c = MLP(4, [3], 2, seed=5), MLP(4, [3], 2, seed=5), MLP(4, [3], 2, seed=6)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.tobytes() == wb.tobytes()
    assert a.get_weights()[0].tobytes() != c.get_weights()[0].tobytes()


def test_weights_live_in_one_flat_buffer():
    m = MLP(4, [3], 2, seed=0)
    assert m.n_params == 4 * 3 + 3 + 3 * 2 + 2
    m.parameters()[0][:] = 1.0
    assert all(np.all(w == 1.0) for w in m.get_weights())


def test_save_load_predicts_bit_identically(tmp_path):
    m = MLP(6, [5, 4], 3, activation="tanh", dropout=0.3, seed=3)
    m.parameters()[0][:] += np.random.default_rng(0).standard_normal(m.n_params).astype(np.float32)
    path = tmp_path / "model.npz"
    m.save(path)
    m2 = MLP.load(path)
    x = np.random.default_rng(1).random((10, 6), dtype=np.float32)
    assert m.forward(x).tobytes() == m2.forward(x).tobytes()
    assert m2.config == m.config


def test_set_weights_checks_shapes():
    m = MLP(4, [3], 2, seed=0)
    w = m.get_weights()
    with pytest.raises(ShapeError, match=r"weights\[0\]\) expects shape \(4, 3\), got \(3, 4\)"):
        m.set_weights([w[0].T, *w[1:]])
    with pytest.raises(ShapeError, match="expects 4 arrays"):
        m.set_weights(w[:2])


def test_forward_rejects_wrong_width():
    with pytest.raises(ShapeError, match=r"expects shape \(N, 4\), got \(2, 5\)"):
        MLP(4, [3], 2, seed=0).forward(np.ones((2, 5), np.float32))


@pytest.mark.parametrize("kwargs, match", [
    ({"activation": "gelu"}, "activation"), ({"dropout": 1.0}, "dropout"),
    ({"dtype": "float16"}, "dtype"), ({"hidden": [0]}, "hidden"), ({"init": "lecun"}, "init"),
])
def test_bad_config_raises_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        MLP(4, **{"hidden": [3], **kwargs})


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_forward_defaults_to_evaluation_and_passes_training_to_every_layer():
    m = MLP(4, [30], 2, dropout=0.5, seed=0)
    x = np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32)
    ev = m.forward(x)
    assert m.forward(x) is not ev  # evaluation allocates; training reuses buffers
    np.testing.assert_array_equal(m.forward(x), ev)  # no dropout when evaluating
    t1 = m.forward(x, training=True).copy()
    assert not np.array_equal(t1, ev)  # dropout is active in training
    assert m.forward(x, training=True) is m.forward(x, training=True)
    with pytest.raises(ShapeError, match=r"^MLP\.forward\(x=\.\.\.\) expects shape \(N, 4\), got "
                                         r"list; reshape the input rows to 4 features$"):
        m.forward([[1.0, 2.0, 3.0, 4.0]])
    assert repr(MLP(4, [3], 2, activation="tanh", dropout=0.25, seed=0)) == (
        "MLP(Dense(4, 3, dtype=float32), Activation('tanh'), Dropout(p=0.25), "
        "Dense(3, 2, dtype=float32))")
    # a sigmoid output layer says which it is; the named subclasses keep their short form
    assert repr(MLP(2, [], 1, output_activation="sigmoid", seed=0)) == (
        "MLP(Dense(2, 1, dtype=float32), Activation('sigmoid'))")
    assert [repr(a) for a in (ReLU(), Sigmoid(), Tanh(), Activation("relu"))] == [
        "ReLU()", "Sigmoid()", "Tanh()", "Activation('relu')"]


def test_check_model_uses_its_eps():
    m = MLP(3, [4], 2, activation="tanh", dtype="float64", seed=0)
    x = np.random.default_rng(0).standard_normal((5, 3))
    y = np.array([0, 1, 1, 0, 1])
    assert check_model(m, cross_entropy, x, y) < 1e-7
    assert check_model(m, cross_entropy, x, y, eps=0.3) > 1e-5


def _message(make):
    with pytest.raises(ConfigError) as e:
        make()
    return str(e.value)


def test_every_argument_check_names_its_owner_and_argument():
    from augfit.nn import Activation, Dense
    from augfit.nn.init import get_initializer
    inits = "['glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform']"
    cases = [
        (lambda: Dense("a", 2), "Dense(in_features=...) must be a positive int, got 'a'"),
        (lambda: Dense(2, "b"), "Dense(out_features=...) must be a positive int, got 'b'"),
        (lambda: Dense(2, 2, rng="r"), "rng must be None, a non-negative int, a SeedSequence "
                                        "or a Generator, got 'r'"),
        (lambda: Activation("x"), "activation must be one of ['relu', 'sigmoid', 'tanh'], "
                                  "got 'x'"),
        (lambda: get_initializer("x"), f"init must be one of {inits}, got 'x'"),
        (lambda: MLP("a"), "MLP(in_features=...) must be a positive int, got 'a'"),
        (lambda: MLP(2, [3], "b"), "MLP(out_features=...) must be a positive int, got 'b'"),
        (lambda: MLP(2, ["h"]), "MLP(hidden=...) must be a positive int, got 'h'"),
        (lambda: MLP(2, activation="x"), "MLP(activation=...) must be one of ['relu', "
                                         "'sigmoid', 'tanh'], got 'x'"),
        (lambda: MLP(2, output_activation="x"), "MLP(output_activation=...) must be one of "
                                                "[None, 'relu', 'sigmoid', 'tanh'], got 'x'"),
        (lambda: MLP(2, dtype="int8"), "MLP(dtype=...) must be one of ['float32', 'float64'], "
                                       "got 'int8'"),
        (lambda: MLP(2, dropout=2), "MLP(dropout=...) must be a number in [0, 1), got 2"),
        (lambda: MLP(2, init="x"), f"MLP(init=...) must be one of {inits}, got 'x'"),
    ]
    for make, expected in cases:
        assert _message(make).startswith(expected), expected


def test_the_parameter_cap_counts_weights_and_biases_exactly():
    from augfit.nn.model import MAX_PARAMS, check_param_count
    assert check_param_count(4, [3], 2) == (4 + 1) * 3 + (3 + 1) * 2
    # (in + 1) * out = MAX_PARAMS exactly is allowed; one input more is not
    assert check_param_count(MAX_PARAMS // 100 - 1, [], 100) == MAX_PARAMS
    with pytest.raises(ConfigError, match=r"would have 500,000,100 parameters, more than the cap "
                                          r"of 500,000,000"):
        check_param_count(MAX_PARAMS // 100, [], 100)


def test_the_model_passes_its_dtype_init_seed_and_first_layer_to_its_layers():
    from augfit.nn import Dense
    m = MLP(4, [3], seed=3)
    assert m.config["out_features"] == 2 and m.config["seed"] == 3
    assert [d.input_grad for d in m.dense] == [False, True]
    for dtype in ("float32", "float64"):
        d = Dense(3, 2, rng=0, dtype=dtype)
        assert d.dtype == np.dtype(dtype)
        assert {a.dtype for a in (d.W, d.b, d.dW, d.db)} == {np.dtype(dtype)}
        m = MLP(4, [3], 2, dtype=dtype, seed=0)
        x = np.ones((2, 4), dtype)
        out = m.forward(x, training=True)
        m.backward(np.ones_like(out))
        assert out.dtype == np.dtype(dtype) and {d.dtype for d in m.dense} == {np.dtype(dtype)}
    w = {init: MLP(4, [3], 2, init=init, seed=0).get_weights()[0]
         for init in ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal")}
    assert len({v.tobytes() for v in w.values()}) == 4
    np.testing.assert_array_equal(MLP(4, [3], 2, seed=0).get_weights()[0], w["he_normal"])
    # dropout masks come from the model's seed
    x = np.ones((8, 4), np.float32)
    a = MLP(4, [50], 2, dropout=0.5, seed=5).forward(x, training=True).copy()
    b = MLP(4, [50], 2, dropout=0.5, seed=5).forward(x, training=True).copy()
    np.testing.assert_array_equal(a, b)
    from augfit.nn import Tanh
    assert Tanh().name == "tanh"


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_use_flat_refuses_each_wrong_array_by_name():
    m = MLP(2, [], 1, seed=0)                      # one dense layer: 2 x 1 weights + 1 bias = 3
    good = np.zeros(3, m.dtype)
    cases = {"shape": np.zeros(4, m.dtype), "dtype": np.zeros(3, np.float16),
             "strided": np.zeros(6, m.dtype)[::2]}
    got = {"shape": "float32 (4,)", "dtype": "float16 (3,)", "strided": "float32 (3,)"}
    for name in ("params", "grads"):
        for case, bad in cases.items():
            args = {"params": good, "grads": good, name: bad}
            with pytest.raises(ShapeError) as e:
                m.use_flat(**args)
            assert str(e.value) == (f"MLP.use_flat({name}=...) needs a contiguous float32 array "
                                    f"of shape (3,), got {got[case]}"), case
    w = m.get_weights()
    params, grads = np.zeros(3, m.dtype), np.zeros(3, m.dtype)
    m.use_flat(params, grads)                      # accepted: the values move into params
    np.testing.assert_array_equal(params, np.concatenate([w[0].ravel(), w[1]]))
