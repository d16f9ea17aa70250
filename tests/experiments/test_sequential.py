"""Group-sequential looks: the O'Brien-Fleming boundaries against published values, Holm at a look
by hand, and the null simulation with looks (family-wise error at most 5%)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm
from scipy.stats import t as student

from augfit.errors import ConfigError
from augfit.experiments.stats.sequential import (
    CODES,
    boundaries,
    categories,
    category,
    holm_look,
    judge_look,
    nominal_levels,
    spent,
    stop_reason,
)


@pytest.fixture(autouse=True)
def _fresh_boundaries():
    """Compute the boundaries afresh in every test: ``_boundaries`` is cached per process, so a
    value computed earlier (another test, or make mutate's parent process) would hide an error in
    the computation (found by make mutate)."""
    from augfit.experiments.stats import sequential

    sequential._boundaries.cache_clear()


def test_boundaries_match_the_published_obrien_fleming_values():
    # Lan-DeMets O'Brien-Fleming spending, alpha 0.025 per side, equally spaced looks: the upper
    # boundaries of R's ldbounds::bounds(t = (1:K) / K, iuse = 1, alpha = 0.025) and gsDesign's
    # gsDesign(k = K, test.type = 2, sfu = sfLDOF), to 4 decimals (their own numerical integration
    # differs from a converged one by up to 1.2e-4: 3.3569 here is 3.35701)
    published = {1: [1.9600],
                 2: [2.9626, 1.9686],
                 3: [3.7103, 2.5114, 1.9930],
                 5: [4.8769, 3.3569, 2.6803, 2.2898, 2.0310]}
    for k, values in published.items():
        got = boundaries([i / k for i in range(1, k + 1)], 0.05)
        np.testing.assert_allclose(got, values, atol=1.5e-4)


def _inside(c, t):
    """P(|Z_j| < c_j for every look j) under the null, by scipy's multivariate normal (Genz's
    quasi-Monte Carlo integration, independent of the module's grid): Cov(Z_i, Z_j) =
    sqrt(t_i / t_j) for t_i <= t_j."""
    if not len(c):
        return 1.0
    t = np.asarray(t, float)
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    mvn = multivariate_normal(mean=np.zeros(len(t)), cov=cov, abseps=1e-7, releps=0,
                              maxpts=200_000, seed=0)
    return float(mvn.cdf(np.asarray(c), lower_limit=-np.asarray(c)))


@pytest.mark.parametrize(("t", "alpha"), [([0.3, 0.55, 1.0], 0.05),
                                          ([0.3, 0.55, 1.0], 0.05 / 3),   # a Holm step
                                          ([0.1, 0.5, 0.7, 1.0], 0.05)])
def test_boundaries_against_an_independent_multivariate_normal_computation(t, alpha):
    # unequally spaced looks, which no published table covers: each look's crossing probability,
    # P(inside at looks < k) - P(inside at looks <= k), computed by scipy's multivariate normal
    # (not the module's numerical integration) equals the alpha the spending function gives it
    c = boundaries(t, alpha)
    crossing = [_inside(c[:k], t[:k]) - _inside(c[:k + 1], t[:k + 1]) for k in range(len(t))]
    np.testing.assert_allclose(crossing, np.diff(np.concatenate([[0], spent(np.array(t), alpha)])),
                               rtol=0, atol=2e-6)
    assert sum(crossing) == pytest.approx(alpha, abs=2e-6)


def test_spending_by_hand_and_the_boundaries_spend_exactly_alpha():
    # each side spends 2 - 2 Phi(z_{1 - alpha/4} / sqrt(t)); z_{0.9875} = 2.2414
    assert float(spent(1.0, 0.05)) == pytest.approx(0.05)
    assert float(spent(0.5, 0.05)) == pytest.approx(4 * norm.sf(2.241403 / np.sqrt(0.5)),
                                                     rel=1e-5)
    t = np.array([0.25, 0.5, 0.75, 1.0])
    c = boundaries(t, 0.05)
    rng = np.random.default_rng(0)
    steps = rng.standard_normal((400_000, 4)) * np.sqrt(np.diff(np.concatenate([[0], t])))
    z = np.cumsum(steps, axis=1) / np.sqrt(t)            # a Brownian motion at the looks
    crossed = np.abs(z) >= c
    assert crossed.any(axis=1).mean() == pytest.approx(0.05, abs=0.0015)
    first = np.argmax(crossed, axis=1)[crossed.any(axis=1)]
    by_look = np.bincount(first, minlength=4) / len(z)
    np.testing.assert_allclose(by_look, np.diff(np.concatenate([[0], spent(t, 0.05)])),
                               atol=0.0012)
    assert nominal_levels([1.0], 0.05)[0] == pytest.approx(0.05)


def test_bad_information_fractions_are_refused():
    with pytest.raises(ConfigError, match="information fractions must increase"):
        boundaries([0.5, 0.5, 1.0])
    with pytest.raises(ConfigError, match="within"):
        boundaries([0.5, 1.5])


def test_categories_by_hand():
    lo = np.array([0.002, -0.03, -0.004, -0.02, np.nan])
    hi = np.array([0.03, -0.001, 0.006, 0.004, 0.01])
    assert [CODES[c] for c in categories(lo, hi, 0.01)] == [
        "helps", "hurts", "negligible", "inconclusive", "inconclusive"]
    assert category(0.001, 0.005, 0.01) == "helps"      # above 0 first, though within +-1 pp
    assert category(-0.004, 0.006, 0.01) == "negligible"
    assert category(-0.004, 0.006, 0.005) == "inconclusive"


def _normal(mean, se):
    """Intervals mean +- z se (as the comparison's interval at a confidence)."""
    def at(conf):
        z = norm.isf((1 - conf) / 2)
        return mean - z * se, mean + z * se
    return at


def test_one_look_is_plain_holm_by_hand():
    # p = 0.01, 0.015, 0.04, 0.30: Holm rejects 0.01 < 0.05/4, then 0.015 < 0.05/3; 0.04 is not
    # below 0.05/2, so it stops there
    p = np.array([0.01, 0.015, 0.04, 0.30])
    se = np.full(4, 0.01)
    mean = norm.isf(p / 2) * se * np.array([1, -1, 1, 1])
    codes, level = judge_look(_normal(mean[None], se[None]), (1, 4), [1.0], 0.05, 0.002)
    assert [CODES[c] for c in codes[0]] == ["helps", "hurts", "inconclusive", "inconclusive"]
    np.testing.assert_allclose(level[0], [0.05 / 4, 0.05 / 3, 0.05 / 2, 0.05 / 2], rtol=1e-4)
    # the dict form for one experiment, the same decisions and the intervals at the levels
    looks = holm_look({m: (lambda c, j=j: tuple(x[0, j] for x in _normal(mean[None],
                                                                              se[None])(c)))
                       for j, m in enumerate("abcd")}, [1.0], 0.05, 0.002)
    assert [looks[m].category for m in "abcd"] == ["helps", "hurts", "inconclusive",
                                                   "inconclusive"]
    assert looks["c"].interval[0] < 0 < looks["c"].interval[1]
    # a later look keeps the earlier rejections and passes their level on: 0.04 < 0.05 / 2 would
    # need the look's own boundary; at the last look of two, the level of 2 open comparisons
    later = holm_look({m: (lambda c, j=j: tuple(x[0, j] for x in _normal(mean[None],
                                                                             se[None])(c)))
                       for j, m in enumerate("abcd")}, [0.5, 1.0], 0.05, 0.002, looks)
    assert later["a"] is looks["a"] and later["b"] is looks["b"]
    # the earlier rejections count as done even where this look's interval would not reject
    # ("a" now at 0): c and d are judged at the level of 2 open comparisons of 4; a method the
    # earlier look did not judge ("d") is judged afresh
    now = mean.copy()
    now[0] = 0.0
    later = holm_look({m: (lambda c, j=j: tuple(x[0, j] for x in _normal(now[None],
                                                                           se[None])(c)))
                       for j, m in enumerate("abcd")}, [0.5, 1.0], 0.05, 0.002,
                      {m: looks[m] for m in "abc"})
    assert later["a"] is looks["a"] and later["b"] is looks["b"]
    two_open = float(nominal_levels([0.5, 1.0], 0.05 / 2)[-1])
    assert later["c"].level == later["d"].level == pytest.approx(two_open, rel=1e-12)
    assert (later["c"].method, later["d"].method) == ("c", "d")
    assert later["d"].category == "inconclusive"
    assert later["c"].level == pytest.approx(nominal_levels([0.5, 1.0], 0.025)[-1])


def test_stop_reason():
    assert stop_reason({"a": "helps", "b": "negligible"}, 2, 4).startswith(
        "every primary comparison was decided at look 2")
    assert stop_reason({"a": "helps", "b": "inconclusive"}, 2, 4) == ""
    assert "1 comparison(s) still inconclusive (b)" in stop_reason(
        {"a": "helps", "b": "inconclusive"}, 4, 4)
    assert stop_reason({"c": "inconclusive", "a": "helps", "b": "inconclusive"}, 4, 4) == (
        "the declared maximum was reached at look 4 with 2 comparison(s) still inconclusive "
        "(b, c)")


def _simulate(effect, looks_units, experiments, seed, sequential=True):
    """A design of 2 seeds per split, splits added in rounds: per (split, seed) unit, each method's
    and the baseline's test accuracy (seed sd 0.9 pp, split sd 0.3 pp, binomial noise of 1,000 test
    examples at 90% shared within a split); each look judges M = 4 methods by the t-interval on
    split means. Returns the share of experiments with any helps/hurts, and with every method
    decided, over the looks."""
    rng = np.random.default_rng(seed)
    m, seeds = len(effect), 2
    splits = looks_units[-1] // seeds
    split_noise = rng.normal(0, 0.003, (experiments, splits, 1, 1))
    test_noise = rng.normal(0, np.sqrt(0.9 * 0.1 / 1000), (experiments, splits, 1, 1 + m))
    seed_noise = rng.normal(0, 0.009, (experiments, splits, seeds, 1 + m))
    acc = 0.9 + split_noise + test_noise + seed_noise + np.concatenate([[0.0], effect])
    d = (acc[..., 1:] - acc[..., :1]).mean(axis=2)                # split means (E, S, M)
    codes = None
    stopped = np.zeros(experiments, bool)
    claimed = np.zeros((experiments, m), bool)
    fractions = [u / looks_units[-1] for u in looks_units]
    for k, units in enumerate(looks_units):
        s = units // seeds
        mean, se = d[:, :s].mean(axis=1), d[:, :s].std(axis=1, ddof=1) / np.sqrt(s)

        def interval(conf, mean=mean, se=se, s=s):
            q = student.isf((1 - conf) / 2, s - 1)
            return mean - q * se, mean + q * se

        if sequential:
            new, _ = judge_look(interval, (experiments, m), fractions[: k + 1], 0.05, 0.01, codes)
        else:                                                      # a fixed level at every look
            new, _ = judge_look(interval, (experiments, m), [1.0], 0.05, 0.01, codes)
        codes = np.where(stopped[:, None], codes, new) if codes is not None else new
        claimed |= ~stopped[:, None] & np.isin(codes, (1, 2))
        stopped |= np.isin(codes, (1, 2, 3)).all(axis=1)
    return claimed.any(axis=1).mean(), stopped.mean(), claimed.mean(axis=0)


def test_null_simulation_with_looks_keeps_the_family_wise_error_at_5_percent():
    # every method identical to the baseline; looks at 6, 12, 18 and 24 units (3 splits a round)
    looks = [6, 12, 18, 24]
    fwer, decided, _ = _simulate(np.zeros(4), looks, 20_000, seed=1)
    print(f"null, looks at {looks} units: family-wise error {fwer:.4f}, all decided {decided:.3f}")
    assert fwer <= 0.05
    # the same data judged at the fixed-design level at every look (optional stopping without
    # spending) errs more often: the test can tell the difference
    naive, _, _ = _simulate(np.zeros(4), looks, 20_000, seed=1, sequential=False)
    print(f"the same looks at a fixed level: family-wise error {naive:.4f}")
    assert naive > fwer + 0.01


def test_a_planted_effect_is_found_by_the_looks():
    effect = np.array([0.015, 0.0, 0.0, 0.0])                     # +1.5 pp for the first method
    *_, claimed = _simulate(effect, [6, 12, 18, 24], 5_000, seed=2)
    print(f"+1.5 pp planted: helps in {claimed[0]:.3f}, others claimed {claimed[1:]}")
    # split means of a difference have sd about 1.6 pp here (test noise of 1,000 examples on each
    # side): at 24 units and Holm over 4, about 60% power (0.606 at this seed)
    assert claimed[0] >= 0.5 and claimed[1:].max() <= 0.05


def test_judge_look_keeps_earlier_hurts_and_rejudges_earlier_negligible():
    # look 2 of 2; comparison 0 was "hurts" (code 2) at look 1, comparison 1 "negligible" (3).
    # Both intervals now lie above 0: hurts is kept (a rejection stands), negligible is judged
    # again (it is non-binding), at Holm's level for one open comparison (alpha / 1).
    asked = []

    def interval(conf):
        asked.append(conf.copy())
        return np.full(conf.shape, 0.1), np.full(conf.shape, 0.2)

    codes, level = judge_look(interval, (1, 2), [0.5, 1.0], 0.05, 0.01, np.array([[2, 3]]))
    np.testing.assert_array_equal(codes, [[2, 1]])
    assert codes.dtype.kind == "i"
    assert level[0, 0] == 0 and level[0, 1] == nominal_levels([0.5, 1.0], 0.05)[-1]
    # every confidence asked for is one (a comparison not judged is asked at 0.5)
    assert all(((c > 0) & (c < 1)).all() for c in asked)
    np.testing.assert_array_equal(asked[0], [[0.5, 1 - level[0, 1]]])


def test_categories_are_int_codes():
    got = categories(np.array([0.1, -0.2, -0.001, -0.1]), np.array([0.2, -0.1, 0.001, 0.1]), 0.01)
    assert got.dtype.kind == "i"
    np.testing.assert_array_equal(got, [1, 2, 3, 0])
    assert np.bincount(got, minlength=4).tolist() == [1, 1, 1, 1]


def test_spent_clips_the_information_to_0_and_1_and_nominal_levels_default_alpha():
    # no information spends nothing (without a division by zero); beyond 1 spends all of alpha
    np.testing.assert_array_equal(spent(np.array([0.0, -1.0]), 0.05), [0.0, 0.0])
    assert spent(2.0, 0.05) == spent(1.0, 0.05) == pytest.approx(0.05, abs=1e-15)
    assert spent(1, 0.05) == spent(1.0, 0.05)                     # an int fraction
    # one look at the end is judged at alpha itself; alpha defaults to 0.05
    np.testing.assert_allclose(nominal_levels([1.0]), [0.05], rtol=1e-12)


def test_information_fractions_refused_and_accepted_at_their_bounds():
    from augfit.experiments.stats.sequential import _check_fractions

    for bad, shown in (([0.123456, 0.1], "[0.1235, 0.1]"), ([0, 0.5, 1], "[0.0, 0.5, 1.0]")):
        with pytest.raises(ConfigError) as e:
            boundaries(bad)
        assert str(e.value) == f"information fractions must increase within (0, 1], got {shown}"
    # a last fraction a rounding error above 1 is taken as 1
    np.testing.assert_array_equal(_check_fractions([0.5, 1 + 1e-12]), [0.5, 1.0])
    with pytest.raises(ConfigError) as e:
        boundaries([1.0], alpha=1.5)
    assert str(e.value) == "alpha must be a number in [0, 1], got 1.5"


@pytest.mark.parametrize("bad, shown", [
    ([[0.5, 1.0]], "[[0.5, 1.0]]"),            # 2-D: raised TypeError while writing the message
    ([[0.5], 1.0], "[[0.5], 1.0]"),            # ragged: NumPy's own ValueError before
    (["0.5", "1"], "['0.5', '1']"),            # strings were read as numbers
    ([True], "[True]"),                        # a bool is not a fraction
    ([0.5, None], "[0.5, None]"),
    ("0.5", "'0.5'"),
])
def test_information_fractions_that_are_not_a_flat_list_of_numbers_are_refused(bad, shown):
    with pytest.raises(ConfigError) as e:
        boundaries(bad)
    assert str(e.value) == f"information fractions must be a flat list of numbers, got {shown}"


def test_information_fractions_of_numpy_and_int_types_are_taken_as_floats():
    from augfit.experiments.stats.sequential import _check_fractions
    t = _check_fractions([np.float32(0.5), np.int64(1)])
    assert t.dtype == np.float64 and t.tolist() == [0.5, 1.0]
    np.testing.assert_array_equal(boundaries([0.5, 1]), boundaries(np.array([0.5, 1.0])))
