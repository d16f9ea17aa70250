"""The power arithmetic, on hand-worked numbers (t quantiles from a table: t(0.975, 9) = 2.2622,
t(0.8, 9) = 0.8834; z(0.975) = 1.9600, z(0.8) = 0.8416)."""
from __future__ import annotations

import math

import pytest

from augfit.errors import ConfigError
from augfit.experiments.stats.power import mde, scaled, units_needed


def test_mde_by_hand():
    assert mde(1.0, math.inf) == pytest.approx(1.9600 + 0.8416, abs=1e-4)
    assert mde(0.5, 9) == pytest.approx(0.5 * (2.2622 + 0.8834), abs=1e-4)
    # at alpha = 0.1 (a 90% interval): z(0.95) = 1.6449
    assert mde(1.0, math.inf, alpha=0.1) == pytest.approx(1.6449 + 0.8416, abs=1e-4)
    assert math.isnan(mde(float("nan"), 9)) and math.isnan(mde(1.0, 0))
    with pytest.raises(ConfigError, match=r"mde\(alpha=...\) must be a number in \(0, 1\)"):
        mde(1.0, 9, alpha=0)


def test_scaling_a_design():
    # 10 units, df 9, se 1: at 40 units the se halves and df = 39
    assert scaled(1.0, 9, 10, 40) == pytest.approx((0.5, 39))
    # df = splits - 1 (3 splits x 2 seeds = 6 units): 12 units are 6 splits, df 5
    assert scaled(1.0, 2, 6, 12) == pytest.approx((math.sqrt(0.5), 5))


def test_units_needed_by_hand():
    # unit sd 2 pp, now 10 units: se = 2/sqrt(10) pp. Target 1 pp at 80% power, alpha 0.05.
    # The normal answer is (2.8016 x 2)^2 = 31.4 units; with t quantiles:
    #   U = 33: (t(.975, 32) + t(.8, 32)) x 2/sqrt(33) = (2.0369 + 0.8530) x 0.34816 = 1.0062 > 1
    #   U = 34: (t(.975, 33) + t(.8, 33)) x 2/sqrt(34) = (2.0345 + 0.8526) x 0.34300 = 0.9903 <= 1
    se = 0.02 / math.sqrt(10)
    assert units_needed(se, 9, 10, 0.01) == 34
    # a design that already reaches it needs no more than it has
    assert units_needed(se, 9, 10, 0.05) <= 10
    assert units_needed(float("nan"), 9, 10, 0.01) is None
    assert units_needed(1.0, 9, 10, 1e-6) is None                 # beyond MAX_UNITS
    assert units_needed(0.0, 9, 10, 0.01) == 2                    # no spread at all


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_units_needed_is_the_smallest_design_that_reaches_the_effect():
    def brute(se, df, n, effect, alpha=0.05, power=0.8):
        return next(u for u in range(1, 10_000)
                    if mde(*(lambda s, d: (s, max(d, 1.0)))(*scaled(se, df, n, u)), alpha,
                           power) <= effect)

    se = 0.02 / math.sqrt(10)
    for kwargs in ({}, {"power": 0.5}, {"alpha": 0.2}):
        assert units_needed(se, 9, 10, 0.01, **kwargs) == brute(se, 9, 10, 0.01, **kwargs)
    assert [units_needed(se, 9, 10, 0.01, **k) for k in ({}, {"power": 0.5}, {"alpha": 0.2})] \
        == [34, 18, 20]
    assert units_needed(0.01, 0, 1, 0.01) == brute(0.01, 0, 1, 0.01) == 10  # one unit so far
    # no standard error, a negative one, no effect or no units: no answer
    for args in ((math.nan, 9, 10, 0.01), (-0.1, 9, 10, 0.01), (0.01, 9, 10, 0.0),
                 (0.01, 9, 0, 0.01)):
        assert units_needed(*args) is None


def test_mde_refuses_levels_at_both_ends_and_needs_one_degree_of_freedom():
    for kwargs, message in (({"power": 0}, "mde(power=...) must be a number in (0, 1), got 0"),
                            ({"power": 1}, "mde(power=...) must be a number in (0, 1), got 1"),
                            ({"alpha": 0}, "mde(alpha=...) must be a number in (0, 1), got 0"),
                            ({"alpha": 1}, "mde(alpha=...) must be a number in (0, 1), got 1")):
        with pytest.raises(ConfigError) as e:
            mde(0.01, 9, **kwargs)
        assert str(e.value) == message
    assert math.isnan(mde(0.01, 0.5)) and math.isnan(mde(math.inf, 5))
    from scipy import stats as sps
    assert mde(0.01, 1) == pytest.approx(0.01 * (sps.t.ppf(0.975, 1) + sps.t.ppf(0.8, 1)),
                                         rel=1e-12)  # df = 1 is enough


def test_a_power_at_or_below_half_alpha_is_refused():
    # t(1 - alpha/2) + t(power) <= 0 there: the "minimum detectable effect" would be 0 or less,
    # and units_needed answered from its normal starting point (13,361 for se = 1/sqrt(10),
    # effect 0.01, alpha 0.9, power 0.1, where every design "reaches" it)
    message = ("mde(power=...) must be above alpha/2 = 0.45 (the chance that a test at alpha=0.9 "
               "rejects on one side under no effect), got {}; the usual power is 0.8")
    for power in (0.1, 0.45):
        with pytest.raises(ConfigError) as e:
            units_needed(1 / math.sqrt(10), 9, 10, 0.01, alpha=0.9, power=power)
        assert str(e.value) == message.format(power)
        with pytest.raises(ConfigError):
            mde(0.01, 9, alpha=0.9, power=power)
    # just above it the MDE is small but positive
    assert 0 < mde(1.0, math.inf, alpha=0.9, power=0.46) == pytest.approx(
        0.12566 - 0.10043, abs=1e-4)


def test_units_needed_near_the_cap():
    # unit sd 1, target 0.01: about (2.8016 / 0.01)^2 = 78,489 units (normal); with t quantiles
    # 78,491 is the first design whose MDE is at most 0.01. Its search starts at 78,488 and must
    # not overshoot the 2 x MAX_UNITS guard on the way (a step of 3x would give up here).
    se = 1 / math.sqrt(10)
    assert units_needed(se, 9, 10, 0.01) == 78_491
    assert mde(*scaled(se, 9, 10, 78_491)) <= 0.01 < mde(*scaled(se, 9, 10, 78_490))


def test_units_needed_may_need_exactly_the_maximum(monkeypatch):
    # the by-hand design needs 34 units: with a maximum of 34 that is still an answer, with 33 not
    from augfit.experiments.stats import power

    se = 0.02 / math.sqrt(10)
    monkeypatch.setattr(power, "MAX_UNITS", 34)
    assert units_needed(se, 9, 10, 0.01) == 34
    monkeypatch.setattr(power, "MAX_UNITS", 33)
    assert units_needed(se, 9, 10, 0.01) is None
