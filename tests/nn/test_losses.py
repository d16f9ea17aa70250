"""Losses: values against direct formulas, gradients by finite differences, stability."""
import warnings

import numpy as np
import pytest

from augfit.errors import ConfigError
from augfit.nn import cross_entropy, get_loss, mse, softmax
from augfit.nn.gradcheck import check_loss


def test_cross_entropy_value_and_gradient_by_hand():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    y = np.array([0, 1])
    loss, grad = cross_entropy(logits.copy(), y)
    # sample 1: p = (1/2, 1/2) -> -log 1/2; sample 2: p = (3/4, 1/4) -> -log 1/4
    assert loss == pytest.approx((np.log(2) + np.log(4)) / 2, rel=1e-14)
    np.testing.assert_allclose(grad, [[-0.25, 0.25], [0.375, -0.375]], rtol=1e-14)


def test_mse_is_the_notes_cost_averaged_over_samples():
    a = np.array([[0.2, 0.9], [0.6, 0.1], [0.5, 0.5]])
    y = np.array([1, 0, 1])  # one-hot targets
    loss, grad = mse(a.copy(), y)
    per_sample = [(0.2 - 0) ** 2 + (0.9 - 1) ** 2, (0.6 - 1) ** 2 + 0.1 ** 2, 0.25 + 0.25]
    assert loss == pytest.approx(np.mean(per_sample), rel=1e-14)
    t = np.eye(2)[y]
    np.testing.assert_allclose(grad, 2 * (a - t) / 3, rtol=1e-14)


@pytest.mark.parametrize("loss", [cross_entropy, mse])
def test_loss_gradient_matches_finite_differences(loss):
    rng = np.random.default_rng(0)
    out = rng.standard_normal((6, 4))
    y = rng.integers(0, 4, 6)
    assert check_loss(loss, out, y) < 1e-6


def test_mse_with_float_targets_gradient():
    rng = np.random.default_rng(1)
    assert check_loss(mse, rng.standard_normal((5, 3)), rng.standard_normal((5, 3))) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_and_softmax_are_stable_for_huge_logits(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = cross_entropy(logits.copy(), np.array([1, 2]))
        p = softmax(logits)
    # sample 1: -log softmax = 2e4; sample 2: uniform -> log 3
    assert loss == pytest.approx((2e4 + np.log(3)) / 2, rel=1e-6)
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    np.testing.assert_allclose(p, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_unknown_loss_name_lists_the_valid_ones():
    with pytest.raises(ConfigError,
                       match=r"loss must be one of \['cross_entropy', 'mse'\], got 'hinge'"):
        get_loss("hinge")


# -- soft targets (MixUp/CutMix labels) and label smoothing ---------------------------------------
def _soft(rng, n, k):
    t = rng.random((n, k))
    return t / t.sum(axis=1, keepdims=True)


def test_cross_entropy_soft_targets_by_hand():
    logits = np.array([[np.log(3.0), 0.0]])  # p = (3/4, 1/4)
    t = np.array([[0.4, 0.6]])
    loss, grad = cross_entropy(logits.copy(), t)
    assert loss == pytest.approx(-(0.4 * np.log(0.75) + 0.6 * np.log(0.25)), rel=1e-14)
    np.testing.assert_allclose(grad, [[0.75 - 0.4, 0.25 - 0.6]], rtol=1e-14)


def test_one_hot_soft_targets_equal_hard_labels():
    rng = np.random.default_rng(3)
    z, y = rng.standard_normal((7, 5)), rng.integers(0, 5, 7)
    for loss in (cross_entropy, mse):
        a, ga = loss(z.copy(), y)
        b, gb = loss(z.copy(), np.eye(5)[y])
        assert a == pytest.approx(b, rel=1e-13)
        np.testing.assert_allclose(ga, gb, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("loss", [cross_entropy, mse])
def test_soft_target_gradient_matches_finite_differences(loss):
    rng = np.random.default_rng(4)
    assert check_loss(loss, rng.standard_normal((6, 4)), _soft(rng, 6, 4)) < 1e-7


@pytest.mark.parametrize("name", ["cross_entropy", "mse"])
@pytest.mark.parametrize("soft", [False, True])
def test_label_smoothing_gradient_matches_finite_differences(name, soft):
    rng = np.random.default_rng(5)
    y = _soft(rng, 6, 4) if soft else rng.integers(0, 4, 6)
    assert check_loss(get_loss(name, label_smoothing=0.2), rng.standard_normal((6, 4)), y) < 1e-7


def test_label_smoothing_by_hand():
    # K = 2, eps = 0.2: label 0 -> targets (0.9, 0.1); p = (3/4, 1/4)
    logits = np.array([[np.log(3.0), 0.0]])
    loss, grad = get_loss("cross_entropy", label_smoothing=0.2)(logits.copy(), np.array([0]))
    assert loss == pytest.approx(-(0.9 * np.log(0.75) + 0.1 * np.log(0.25)), rel=1e-14)
    np.testing.assert_allclose(grad, [[0.75 - 0.9, 0.25 - 0.1]], rtol=1e-13)
    loss, grad = get_loss("mse", label_smoothing=0.2)(np.array([[1.0, 0.0]]), np.array([0]))
    assert loss == pytest.approx(0.1**2 + 0.1**2, rel=1e-13)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "x", True])
def test_label_smoothing_outside_0_1_is_a_config_error(bad):
    with pytest.raises(ConfigError, match=r"label_smoothing must be a number in \[0, 1\)"):
        get_loss("cross_entropy", label_smoothing=bad)


@pytest.mark.parametrize("name", ["cross_entropy", "mse"])
def test_per_sample_losses_average_to_the_loss(name):
    from augfit.nn.losses import LOSSES, PER_SAMPLE

    rng = np.random.default_rng(0)
    out, y = rng.normal(size=(7, 4)) * 3, rng.integers(0, 4, 7)
    per = PER_SAMPLE[name](out, y)
    assert per.shape == (7,) and per.mean() == pytest.approx(LOSSES[name](out, y)[0], rel=1e-12)


def test_per_sample_cross_entropy_by_hand():
    from augfit.nn.losses import cross_entropy_per_sample

    # logits (0, ln 3): softmax (1/4, 3/4); -log p[y]
    z = np.array([[0.0, np.log(3.0)], [0.0, np.log(3.0)]])
    np.testing.assert_allclose(cross_entropy_per_sample(z, np.array([0, 1])),
                               [np.log(4.0), np.log(4.0 / 3.0)])


@pytest.mark.parametrize("name", ["cross_entropy", "mse"])
def test_per_sample_losses_average_to_the_loss_with_soft_targets(name):
    from augfit.nn.losses import LOSSES, PER_SAMPLE

    rng = np.random.default_rng(1)
    out, t = rng.normal(size=(6, 3)), rng.dirichlet(np.ones(3), size=6)
    assert PER_SAMPLE[name](out, t).mean() == pytest.approx(LOSSES[name](out, t)[0], rel=1e-12)


# -- found by make mutate (docs/testing.md, "Mutation testing") ----------------------------------
@pytest.mark.parametrize("name", ["cross_entropy", "mse"])
def test_per_sample_losses_keep_float32(name):
    from augfit.nn.losses import PER_SAMPLE

    out = np.array([[0.5, -1.0, 2.0], [0.0, 0.25, 0.0]], dtype=np.float32)
    per = PER_SAMPLE[name](out, np.array([2, 0]))
    assert per.dtype == np.float32
    if name == "mse":  # Σ_k (y_k - a_k)²: 0.25 + 1 + 1, then 1 + 0.0625 + 0
        np.testing.assert_array_equal(per, np.array([2.25, 1.0625], np.float32))


def test_mse_scores_to_probabilities_by_hand():
    """MSE outputs become probabilities by clipping at 0 and normalising each row; a row with no
    positive score gets the uniform 1/K."""
    from augfit.nn.losses import TO_PROBA

    a = np.array([[1.0, 3.0, -2.0, 0.0],     # clip -> (1, 3, 0, 0) / 4
                  [-1.0, -0.5, 0.0, -3.0],   # nothing positive -> 1/4 each
                  [0.0, 0.0, 0.0, 2.5],      # one positive -> (0, 0, 0, 1)
                  [0.25, 0.0, -1.0, 0.25]])  # a sum below 1 is normalised too -> (1/2, 0, 0, 1/2)
    p = TO_PROBA["mse"](a)
    np.testing.assert_array_equal(p, [[0.25, 0.75, 0.0, 0.0], [0.25] * 4, [0.0, 0.0, 0.0, 1.0],
                                      [0.5, 0.0, 0.0, 0.5]])
    assert p.dtype == a.dtype
    np.testing.assert_array_equal(a[1], [-1.0, -0.5, 0.0, -3.0])  # the input is left alone
    p32 = TO_PROBA["mse"](np.array([[2.0, 0.0, 6.0]], np.float32))
    assert p32.dtype == np.float32
    np.testing.assert_array_equal(p32, np.array([[0.25, 0.0, 0.75]], np.float32))


def test_per_sample_cross_entropy_is_stable_for_huge_logits_of_any_scale_per_row():
    """Each row is shifted by its own maximum: a row near +1000 and one near -1000 both give
    their exact terms (a shift by the batch's maximum would underflow the second row)."""
    from augfit.nn.losses import cross_entropy_per_sample

    z = np.array([[1000.0, 1000.0 + np.log(3.0)], [-1000.0, -1000.0 + np.log(3.0)]])
    np.testing.assert_allclose(cross_entropy_per_sample(z, np.array([0, 1])),
                               [np.log(4.0), np.log(4.0 / 3.0)], rtol=1e-9)


def test_targets_and_the_losses_keep_the_outputs_dtype():
    from augfit.nn.losses import targets

    t = targets(np.array([1, 0]), (2, 3), np.dtype(np.float32))
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t, [[0, 1, 0], [1, 0, 0]])
    soft = targets(np.array([[0.25, 0.75]]), (1, 2), np.dtype(np.float32))
    assert soft.dtype == np.float32
    np.testing.assert_array_equal(soft, [[0.25, 0.75]])
    out = np.array([[0.5, 0.25, 0.0]], np.float32)
    loss, grad = mse(out, np.array([1]), label_smoothing=0.3)  # targets 0.1, 0.8, 0.1
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, 2 * (out - [[0.1, 0.8, 0.1]]), rtol=1e-6)
    assert loss == pytest.approx(0.16 + 0.3025 + 0.01, rel=1e-6)


def test_cross_entropy_soft_targets_whose_rows_do_not_sum_to_1_by_hand():
    """The general formula: C = Σ_k t_k (logsumexp(z) - z_k), ∂C/∂z = (softmax(z)·Σ_k t_k - t)/N.
    Logits (0, ln 3): softmax (1/4, 3/4), logsumexp ln 4; targets (0, 2) weigh the row twice."""
    z = np.array([[0.0, np.log(3.0)]])
    loss, grad = cross_entropy(z, np.array([[0.0, 2.0]]))
    assert loss == pytest.approx(2 * (np.log(4.0) - np.log(3.0)), rel=1e-12)
    np.testing.assert_allclose(grad, [[0.5, -0.5]], rtol=1e-12)


def test_no_smoothing_returns_the_loss_itself_and_a_bad_amount_is_named_in_full():
    from augfit.nn.losses import LOSSES

    assert get_loss("cross_entropy") is LOSSES["cross_entropy"]
    assert get_loss("mse", 0.0) is LOSSES["mse"]
    with pytest.raises(ConfigError) as err:
        get_loss("mse", label_smoothing=1.5)
    assert str(err.value) == ("label_smoothing must be a number in [0, 1) (0 = no smoothing; "
                              "0.1 is usual), got 1.5")


def test_smoothing_a_loss_that_takes_hard_labels_only_is_refused(monkeypatch):
    """A loss added to LOSSES but not to SOFT_TARGET_LOSSES (the documented way to add one that
    takes labels only) cannot be smoothed."""
    from augfit.nn.losses import LOSSES

    monkeypatch.setitem(LOSSES, "hinge", mse)
    assert get_loss("hinge") is mse
    with pytest.raises(ConfigError) as err:
        get_loss("hinge", label_smoothing=0.1)
    assert str(err.value) == ("label_smoothing=0.1 needs a loss that takes soft targets "
                              "(['cross_entropy', 'mse']), got loss 'hinge'")


def test_soft_target_cross_entropy_of_float32_logits_is_computed_in_float32():
    """Targets (0.1, 0.9) in float32 sum to exactly 1 in float32 (not in float64), so the loss of
    zero logits is float32's ln 2 to the last bit only when the targets stay float32."""
    loss, grad = cross_entropy(np.zeros((1, 2), np.float32), np.array([[0.1, 0.9]], np.float32))
    assert loss == float(np.log(np.float32(2.0)))
    assert grad.dtype == np.float32


def test_per_sample_cross_entropy_with_soft_targets_by_hand():
    """Σ_k t_k (logsumexp(z) - z_k) for targets (0, 2), a row that does not sum to 1; float32
    logits and targets give float32 terms."""
    from augfit.nn.losses import cross_entropy_per_sample

    z = np.array([[0.0, np.log(3.0)]])
    np.testing.assert_allclose(cross_entropy_per_sample(z, np.array([[0.0, 2.0]])),
                               [2 * (np.log(4.0) - np.log(3.0))], rtol=1e-12)
    per = cross_entropy_per_sample(z.astype(np.float32), np.array([[0.25, 0.75]], np.float32))
    assert per.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stacked_cross_entropy_is_each_models_own_bit_for_bit(dtype):
    """The stack's loss (augfit.train.stacked) must give every model the bits of its own."""
    from augfit.nn.losses import cross_entropy_stacked

    rng = np.random.default_rng(0)
    for a, n, k, scale in ((1, 1, 2, 1.0), (3, 18, 10, 10.0), (24, 32, 10, 3.0),
                           (5, 33, 17, 100.0), (2, 7, 3, 0.1)):
        z = (rng.standard_normal((a, n, k)) * scale).astype(dtype)
        z[0, 0, 0] = 80.0                                  # a large logit: the shift matters
        y = rng.integers(0, k, (a, n))
        loss, grad = cross_entropy_stacked(z, y)
        assert loss.shape == (a,) and loss.dtype == dtype and grad.shape == z.shape
        for i in range(a):
            own_loss, own_grad = cross_entropy(z[i], y[i])
            assert float(loss[i]) == own_loss
            assert np.array_equal(grad[i], own_grad)
    # and by hand: logits (0, ln 3) and label 1 give p = (1/4, 3/4), loss -ln(3/4)
    z = np.array([[[0.0, np.log(3.0)]]])
    loss, grad = cross_entropy_stacked(z, np.array([[1]]))
    assert np.isclose(loss[0], -np.log(0.75)) and np.allclose(grad, [[[0.25, -0.25]]])
