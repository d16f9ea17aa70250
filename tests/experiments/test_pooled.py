"""Comparisons pooled over training sizes (experiments/stats/pooled.py): size-stratified means
worked by hand, resamples that keep every size's units, splits and seeds drawn jointly over sizes,
and the vectorized data multiplier against the scalar one in verdicts.py (and its isotonic fit
against scikit-learn's)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.isotonic import isotonic_regression

from augfit.experiments.report.verdicts import data_multiplier, judge
from augfit.experiments.stats import CellResult
from augfit.experiments.stats import pooled as pl
from augfit.experiments.stats import stats as st


def _row(method, split, seed, size, acc, train=1.0):
    return CellResult(method, split, seed, size, test_accuracy=acc, train_accuracy=train,
                      test_loss=0.5, train_loss=0.1)


def test_pooled_mean_weights_every_size_equally():
    # n = 10: 3 units with Δ = 0.1; n = 20: 2 units with Δ = 0.3 (a partial size, same split)
    rows = [_row("baseline", 0, s, 10, 0.5 + s / 100) for s in range(3)]
    rows += [_row("m", 0, s, 10, 0.6 + s / 100) for s in range(3)]
    rows += [_row("baseline", 0, s, 20, 0.6 + s / 50) for s in range(2)]
    rows += [_row("m", 0, s, 20, 0.9 + s / 50) for s in range(2)]
    c, joint = pl.compare_pooled(rows, "baseline", "m", [10, 20], np.random.default_rng(0), 500)
    assert c is not None and joint is not None
    assert c.sizes == (10, 20) and c.left_out == () and c.train_size == 0
    assert c.n_units == 3                       # (split, seed) units: seeds 0, 1, 2 of split 0
    # the mean of the per-size means, not of the 5 units ((0.3 + 0.6) / 5 = 0.18)
    assert c.stats["d_test_accuracy"].value == pytest.approx(0.2)
    # every resample keeps 3 units at n = 10 and 2 at n = 20: Δ is constant within each size
    np.testing.assert_allclose(c.stats["d_test_accuracy"].boot, 0.2)
    assert c.stats["d_test_accuracy"].ci == pytest.approx((0.2, 0.2))


def test_splits_and_seeds_are_drawn_jointly_over_sizes():
    rng = np.random.default_rng(1)
    v = rng.normal(0.05, 0.03, (3, 4))           # Δ per (split, seed), the same at both sizes
    rows = []
    for n in (10, 20):
        for sp in range(3):
            for sd in range(4):
                rows += [_row("baseline", sp, sd, n, 0.5), _row("m", sp, sd, n, 0.5 + v[sp, sd])]
    units = [st.paired_units(rows, "baseline", "m", n) for n in (10, 20)]
    boot = pl.joint_resample(units, 2000, np.random.default_rng(2))
    # the same splits and seeds are drawn at both sizes: identical resampled means
    np.testing.assert_array_equal(boot[0], boot[1])
    c, _ = pl.compare_pooled(rows, "baseline", "m", [10, 20], np.random.default_rng(3), 4000)
    (one,) = st.compare(rows, ["baseline", "m"], "baseline", [10], resamples=4000, seed=3)
    # perfectly correlated sizes: pooling adds no information, the interval is not narrower
    # (independent resampling per size would shrink its width by about 1/sqrt(2))
    w_pooled = np.diff(c.stats["d_test_accuracy"].ci)[0]
    w_one = np.diff(one.stats["d_test_accuracy"].ci)[0]
    assert w_pooled == pytest.approx(w_one, rel=0.1)


def test_a_size_missing_a_split_is_left_out():
    rows = []
    for n, splits in ((10, (0, 1)), (20, (0, 1)), (40, (0,))):
        for sp in splits:
            for sd in range(3):
                rows += [_row("baseline", sp, sd, n, 0.5), _row("m", sp, sd, n, 0.55 + sd / 100)]
    c, joint = pl.compare_pooled(rows, "baseline", "m", [10, 20, 40],
                                 np.random.default_rng(0), 300)
    assert c is not None and c.sizes == (10, 20) and c.left_out == (40,)
    assert joint is not None and joint.sizes == [10, 20]


def test_one_size_is_not_pooled():
    rows = [_row("baseline", 0, s, 10, 0.5) for s in range(3)]
    rows += [_row("m", 0, s, 10, 0.6) for s in range(3)]
    comps, joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", [10],
                                          resamples=200)
    assert comps == [] and joints["m"].sizes == [10]


def test_isotonic_rows_match_scikit_learns_isotonic_regression():
    y = np.random.default_rng(4).normal(size=(300, 5)).cumsum(axis=1) * 0.3
    fit = pl.isotonic_rows(y)
    assert (np.diff(y, axis=1) < 0).any(axis=1).mean() > 0.9   # most rows have violators
    for row, f in zip(y, fit, strict=True):
        np.testing.assert_allclose(f, isotonic_regression(row), atol=1e-12)


def test_multiplier_draws_match_the_scalar_multiplier():
    rng = np.random.default_rng(5)
    sizes = [50, 100, 200, 400]
    base = np.sort(rng.uniform(0.6, 0.9, (400, 4)), axis=1) + rng.normal(0, 0.02, (400, 4))
    acc = rng.uniform(0.55, 0.95, 400)
    got = pl.multiplier_draws(sizes, base, 100, acc)
    for b, a, g in zip(base, acc, got, strict=True):
        value, text = data_multiplier(sizes, b, 100, a)
        if text.startswith(">"):
            assert g == math.inf
        elif text.startswith("<"):
            assert g == -math.inf
        else:
            assert math.exp(g) == pytest.approx(value, rel=1e-12)
    assert np.isinf(got).any() and np.isfinite(got).any()


def test_multiplier_interval_from_joint_resamples():
    # baseline accuracy rises with n; the method at n = 100 matches the baseline at 200
    rows = []
    rng = np.random.default_rng(6)
    for n, acc in ((50, 0.70), (100, 0.75), (200, 0.80), (400, 0.85)):
        for sp in range(3):
            for sd in range(4):
                b = acc + rng.normal(0, 0.01)
                rows += [_row("baseline", sp, sd, n, b),
                         _row("m", sp, sd, n, b + 0.05 + rng.normal(0, 0.005))]
    _, joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", [50, 100, 200, 400],
                                      resamples=2000)
    lo, hi = pl.multiplier_interval(joints["m"], 100, 0.95)
    assert lo < 2.0 < hi and hi / lo < 2
    # at the largest size the method is beyond the grid in (nearly) every resample
    assert pl.multiplier_interval(joints["m"], 400, 0.95)[1] == math.inf
    # the interval in the (exploratory, per-size) verdicts, at their unadjusted level
    sizes = [50, 100, 200, 400]
    mult = {("m", n): pl.multiplier_interval(joints["m"], n, 0.95) for n in sizes}
    vs = judge(st.compare(rows, ["baseline", "m"], "baseline", sizes, resamples=2000), 0.95,
               sizes, multiplier_ci=mult, exploratory=True)
    v = {v.train_size: v for v in vs}
    assert v[100].multiplier_interval_text == f"[{lo:.2g}x, {hi:.2g}x]"
    assert v[100].level == 0.95 and lo < v[100].multiplier < hi
    assert v[400].multiplier_interval_text == ""          # every resample beyond the grid


def test_balanced_pooled_interval_is_the_single_size_procedure_on_unit_means():
    """Every size with every (split, seed) unit: the pooled Δ test accuracy is the mean over units
    of each unit's mean over sizes, its joint resamples draw the same units at every size, the
    jackknife leaves a unit out at every size, and the t-part's pseudo-values are the unit means.
    So the pooled interval is exactly the one-size procedure on the unit means (same draws), and
    the coverage simulation (test_stats_coverage.py) covers it with those means' noise."""
    rng = np.random.default_rng(8)
    sizes, rows, mean_rows = [10, 20, 40], [], []
    for sp in range(5):
        for sd in range(2):
            deltas = rng.normal(0.01, 0.01, 3) + rng.normal(0, 0.004)
            for n, d in zip(sizes, deltas, strict=True):
                rows += [_row("baseline", sp, sd, n, 0.6), _row("m", sp, sd, n, 0.6 + d)]
            mean_rows += [_row("baseline", sp, sd, 1, 0.6),
                          _row("m", sp, sd, 1, 0.6 + deltas.mean())]
    c, _ = pl.compare_pooled(rows, "baseline", "m", sizes, np.random.default_rng(3), 2000)
    one = st.compare_units(st.paired_units(mean_rows, "baseline", "m", 1), "m", 1,
                           np.random.default_rng(3), 2000)
    p, o = c.stats["d_test_accuracy"], one.stats["d_test_accuracy"]
    assert p.value == pytest.approx(o.value, abs=1e-12)
    np.testing.assert_allclose(p.boot, o.boot, atol=1e-12)
    assert p.ci == pytest.approx(o.ci, abs=1e-12) and p.p == pytest.approx(o.p, abs=1e-9)
    assert p.se_t == pytest.approx(o.se_t) and p.df == o.df == 9


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_multiplier_interval_by_hand():
    # baseline 0.5 at n = 10 and 0.7 at n = 20 in every resample; the method at n = 10 reaches
    # 0.5 + 0.2 t with t = j / 13 (j = 1..12): n* / n = 2^t on the log-size line
    boot = np.zeros((2, 12, 8))
    boot[0, :, st.BT], boot[1, :, st.BT] = 0.5, 0.7
    boot[0, :, st.MT] = 0.5 + 0.2 * np.arange(1, 13) / 13
    joint = pl.Joint([10, 20], [], boot)
    # inverted-CDF percentiles at 25 % and 75 % of 12 draws: the 3rd and the 9th
    lo, hi = pl.multiplier_interval(joint, 10, 0.5)
    assert lo == pytest.approx(2 ** (3 / 13), rel=1e-12)
    assert hi == pytest.approx(2 ** (9 / 13), rel=1e-12)
    for n, j in ((30, joint), (10, pl.Joint([10], [], boot[:1]))):
        got = pl.multiplier_interval(j, n, 0.5)
        assert math.isnan(got[0]) and math.isnan(got[1])


def test_holm_levels_at_the_boundary_and_with_missing_p_values():
    from augfit.experiments.stats.intervals import holm_levels
    # p = alpha / m exactly is not rejected: every comparison keeps the first step's level
    np.testing.assert_array_equal(holm_levels([0.025, 0.05], 0.05), [0.975, 0.975])
    np.testing.assert_array_equal(holm_levels([0.01, 0.04], 0.05), [0.975, 0.95])
    got = holm_levels([0.01, None, 0.04], 0.05)  # a comparison without a p-value
    assert got[0] == 0.975 and math.isnan(got[1]) and got[2] == 0.95


def test_compare_all_pooled_draws_each_method_from_its_own_key_and_has_these_defaults():
    from augfit.rng import derive
    rng = np.random.default_rng(2)
    rows = []
    for n in (10, 20):
        for sd in range(4):
            b = 0.5 + n / 100 + rng.normal(0, 0.02)
            rows += [_row("baseline", 0, sd, n, b), _row("a", 0, sd, n, b + rng.normal(0.05, 0.02)),
                     _row("b", 0, sd, n, b + rng.normal(-0.02, 0.02))]
    methods = ["a", "baseline", "b"]
    out, joints = pl.compare_all_pooled(rows, methods, "baseline", [10, 20], resamples=300)
    same, _ = pl.compare_all_pooled(rows, methods, "baseline", [10, 20], resamples=300, seed=0,
                                    confidence=0.95, draws=None, shared_test=False)
    _, other = pl.compare_all_pooled(rows, methods, "baseline", [10, 20], resamples=300, seed=1)
    assert [c.method for c in out] == ["a", "b"] and set(joints) == {"a", "b"}
    ci = [c.stats["d_test_accuracy"].ci for c in out]
    assert ci == [c.stats["d_test_accuracy"].ci for c in same]
    assert not np.array_equal(other["a"].boot, joints["a"].boot)  # the seed is used
    for mi, m in ((0, "a"), (2, "b")):
        comp, joint = pl.compare_pooled(rows, "baseline", m, [10, 20], derive(0, mi, 0), 300,
                                        0.95, None)
        np.testing.assert_array_equal(joint.boot, joints[m].boot)
        assert comp.stats["d_test_accuracy"].ci == ci[0 if m == "a" else 1]


def test_joint_resample_draws_only_a_split_s_real_units_in_an_unbalanced_layout():
    from augfit.experiments.stats.pairing import Units
    # split 0 has units 0 and 1 (column values 0 and 1), split 1 has one unit (value 4): a
    # resample of split 0 averages two draws of {0, 1}, never the padding slot
    x = np.zeros((2, 2, 8))
    x[0, 0, :], x[0, 1, :], x[1, 0, :] = 0.0, 1.0, 4.0
    valid = np.array([[True, True], [True, False]])
    boot = pl.joint_resample([Units(x, valid, [0, 1])], 400, np.random.default_rng(3))
    assert boot.shape == (1, 400, 8)
    # the mean over the drawn units: split 0 drawn twice gives k/4 (four draws of {0, 1}), once
    # with split 1 (one draw of 4) (k + 4)/3, split 1 twice 4; a padding slot never counts
    allowed = {k / 4 for k in range(5)} | {(k + 4) / 3 for k in range(3)} | {4.0}
    got = set(np.round(boot[0, :, 0], 12))
    assert got <= {round(v, 12) for v in allowed}
    assert {round(4 / 3, 12), round(5 / 3, 12)} <= got


def test_pooled_win_rate_and_fields_by_hand():
    # 2 splits x 2 seeds at sizes 10 and 20; each unit's Δ is the same at both sizes:
    # +0.1, 0, -0.1, +0.2 -> the method wins in 2 of 4 units (a tie is not a win)
    deltas = {(0, 0): 0.1, (0, 1): 0.0, (1, 0): -0.1, (1, 1): 0.2}
    rows = []
    for n, base in ((10, 0.5), (20, 0.6)):
        for (sp, sd), d in deltas.items():
            rows += [_row("baseline", sp, sd, n, base), _row("m", sp, sd, n, base + d)]
    c, joint = pl.compare_pooled(rows, "baseline", "m", [10, 20], np.random.default_rng(0), 200)
    assert c.win_rate == 0.5
    assert (c.method, c.train_size, c.n_units, c.n_splits, c.example_level) == (
        "m", 0, 4, 2, False)
    assert c.means["method_test_accuracy"] - c.means["base_test_accuracy"] == \
        pytest.approx(0.05, abs=1e-12)
    assert joint.sizes == [10, 20] and len(joint.units) == 2 and joint.left_out == []


# -- the example level (one shared test set): found by make mutate --
def _ex_row(method, split, seed, size, correct, loss):
    correct, loss = np.asarray(correct, bool), np.asarray(loss, float)
    return CellResult(method, split, seed, size, test_accuracy=float(correct.mean()),
                      train_accuracy=1.0, test_loss=float(loss.mean()), train_loss=0.1,
                      test_correct=correct, test_loss_per_example=loss)


def _ex_rows(splits, seeds=3, sizes=(10, 20), t=6, seed=11):
    rng = np.random.default_rng(seed)
    return [_ex_row(meth, sp, sd, n, rng.random(t) < p, rng.uniform(0, 2, t))
            for n in sizes for sp in splits for sd in range(seeds)
            for meth, p in (("baseline", 0.5), ("m", 0.7))]


def _shift(rows, draws, n):
    """(B, 8): the example draw's change to the mean over units of each test column at size n
    (STATISTICS.md; bootstrap.resampled_means), worked out from the draws' values."""
    out = np.zeros((draws.resamples, 8))
    for col, meth, j, attr in ((st.BT, "baseline", 0, "test_accuracy"),
                               (st.MT, "m", 0, "test_accuracy"),
                               (st.BL, "baseline", 1, "test_loss"), (st.ML, "m", 1, "test_loss")):
        sel = [r for r in rows if r.method == meth and r.train_size == n]
        drawn = np.mean([draws.values[(meth, r.split, r.seed, n)][:, j] for r in sel], axis=0)
        out[:, col] = drawn - np.mean([r[attr] for r in sel])
    return out


def test_pooled_example_level_adds_the_shared_example_draw_at_every_size():
    from augfit.experiments.stats.example_draws import example_draws
    from augfit.rng import derive
    rows = _ex_rows([0])                         # one split: the example level applies
    sizes, b = [10, 20], 40
    comps, joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", sizes,
                                          resamples=b, seed=4)
    (c,) = comps
    assert c.example_level is True and c.n_units == 3 and c.n_splits == 1
    draws = example_draws(rows, b, 4)            # the study's draws, derive(4, 0, 0, split)
    # the same unit draws (method 1's key) without the example level
    plain = pl.joint_resample([st.paired_units(rows, "baseline", "m", n) for n in sizes], b,
                              derive(4, 1, 0))
    for k, n in enumerate(sizes):
        np.testing.assert_allclose(joints["m"].boot[k] - plain[k], _shift(rows, draws, n),
                                   atol=1e-12)
    assert np.ptp(_shift(rows, draws, 10)[:, st.MT]) > 0      # the draws do move the means
    # the pooled statistic is the per-size statistic of those resamples averaged over sizes
    boot = joints["m"].boot
    np.testing.assert_allclose(c.stats["d_test_accuracy"].boot,
                               (boot[:, :, st.MT] - boot[:, :, st.BT]).mean(axis=0), atol=1e-12)
    # draws given are used as they are (another seed's)
    other = example_draws(rows, b, 9)
    _, given = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", sizes, resamples=b,
                                     seed=4, draws=other)
    for k, n in enumerate(sizes):
        np.testing.assert_allclose(given["m"].boot[k] - plain[k], _shift(rows, other, n),
                                   atol=1e-12)


def test_pooled_example_level_only_with_one_test_set_shared_by_every_unit():
    from augfit.experiments.stats.example_draws import example_draws
    from augfit.rng import derive
    rows = _ex_rows([0, 1], seeds=2)             # two splits, each its own test set
    sizes, b = [10, 20], 30
    plain = pl.joint_resample([st.paired_units(rows, "baseline", "m", n) for n in sizes], b,
                              derive(2, 1, 0))
    given = example_draws(rows, b, 2)
    (c,), joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", sizes,
                                         resamples=b, seed=2, draws=given)
    assert c.example_level is False              # the draws are ignored
    np.testing.assert_array_equal(joints["m"].boot, plain)
    # test: official (shared_test): every split takes split 0's example stream
    (c,), joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", sizes,
                                         resamples=b, seed=2, shared_test=True)
    shared = example_draws(rows, b, 2, shared=True)
    assert c.example_level is True
    for k, n in enumerate(sizes):
        np.testing.assert_allclose(joints["m"].boot[k] - plain[k], _shift(rows, shared, n),
                                   atol=1e-12)


def test_pooled_example_level_needs_every_size_scored():
    # one size's cells have no per-example results: the comparison is not at the example level
    rows = _ex_rows([0])
    rows += [_row(r.method, 0, r.seed, 40, r.test_accuracy) for r in rows if r.train_size == 10]
    (c,), _ = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", [10, 20, 40],
                                    resamples=20)
    assert c.sizes == (10, 20, 40) and c.example_level is False


def test_multiplier_draws_at_exact_ties_with_the_fitted_curve():
    """An accuracy equal to a fitted value reads the smallest size reaching it (as the scalar
    verdicts.data_multiplier does), without a warning (RuntimeWarnings are errors here)."""
    sizes = [10, 20, 40, 80]
    # binary fractions, so that the fit (means of cumulative sums) is exact and the ties are
    base = np.array([[0.5, 0.625, 0.625, 0.75]] * 4)     # flat between 20 and 40
    acc = np.array([0.5, 0.625, 0.75, 0.6875])           # the first, a flat, the last, between
    np.testing.assert_array_equal(pl.isotonic_rows(base)[0], base[0])
    got = pl.multiplier_draws(sizes, base, 10, acc)
    want = [math.log(1), math.log(2), math.log(8), math.log(40 * 2 ** 0.5 / 10)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    for a, g in zip(acc, got, strict=True):
        assert math.exp(g) == pytest.approx(data_multiplier(sizes, base[0], 10, a)[0],
                                            rel=1e-12)


def test_pooled_defaults_and_the_joint_left_out():
    rows = []
    for n, splits in ((10, (0, 1)), (20, (0, 1)), (40, (0,))):
        for sp in splits:
            for sd in range(2):
                rows += [_row("baseline", sp, sd, n, 0.5), _row("m", sp, sd, n, 0.55 + sd / 100)]
    c, joint = pl.compare_pooled(rows, "baseline", "m", [10, 20, 40], np.random.default_rng(0))
    assert joint.left_out == [40] and c.left_out == (40,)
    assert joint.boot.shape == (2, 10000, 8) and c.stats["d_test_accuracy"].boot.shape == (10000,)
    assert c.stats["d_test_accuracy"].confidence == 0.95
    _, joints = pl.compare_all_pooled(rows, ["baseline", "m"], "baseline", [10, 20])
    assert joints["m"].boot.shape == (2, 10000, 8)
