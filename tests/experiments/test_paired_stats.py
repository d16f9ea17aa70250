"""Paired statistics on hand-made tables whose answers are worked out by hand."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from augfit.experiments.stats import compare, compare_pair, pair, reduction, summarize


def _row(method, seed, size, acc, gap):
    return {"method": method, "seed": seed, "train_size": size, "test_accuracy": acc,
            "gap_accuracy": gap}


# size 10: baseline acc .60 .70 .80, gaps .30 .20 .40; method m: acc .65 .70 .90, gaps .15 .20 .10
BASE10 = [(0.60, 0.30), (0.70, 0.20), (0.80, 0.40)]
M10 = [(0.65, 0.15), (0.70, 0.20), (0.90, 0.10)]
# size 20: baseline acc .80 .85 .90, gaps .10 .10 .10; method m: acc .80 .80 .80, gaps .10 .05 .00
BASE20 = [(0.80, 0.10), (0.85, 0.10), (0.90, 0.10)]
M20 = [(0.80, 0.10), (0.80, 0.05), (0.80, 0.00)]


def _table():
    rows = []
    for size, b, m in ((10, BASE10, M10), (20, BASE20, M20)):
        for seed in range(3):
            rows.append(_row("baseline", seed, size, *b[seed]))
            rows.append(_row("m", seed, size, *m[seed]))
    return rows


def test_per_size_means_reduction_and_wins():
    comps = {c.train_size: c for c in compare(_table(), ["baseline", "m"], "baseline", [10, 20],
                                               resamples=4000, seed=0)}
    c10 = comps[10]
    assert c10.n_pairs == 3
    assert c10.d_test_accuracy == pytest.approx((0.05 + 0.0 + 0.10) / 3)
    assert c10.d_gap == pytest.approx((-0.15 + 0.0 - 0.30) / 3)
    assert c10.baseline_gap == pytest.approx(0.30)
    assert c10.gap == pytest.approx(0.15)
    assert c10.reduction == pytest.approx(0.5)                       # (0.30 - 0.15) / 0.30
    assert c10.win_rate == pytest.approx(2 / 3)                     # 0.05 and 0.10 > 0, 0.0 is not
    c20 = comps[20]
    assert c20.d_test_accuracy == pytest.approx((0.0 - 0.05 - 0.10) / 3)
    assert c20.reduction == pytest.approx(0.5)                       # (0.10 - 0.05) / 0.10
    pooled = comps[None]
    assert pooled.n_pairs == 6
    assert pooled.d_test_accuracy == pytest.approx((0.15 - 0.15) / 6)
    assert pooled.reduction == pytest.approx((0.2 - 0.1) / 0.2)     # mean gaps 0.2 vs 0.1


def test_ci_of_three_pairs_spans_the_extremes():
    # With n=3 each resample where all three draws hit the same pair has probability 1/27 > 2.5%,
    # so the 95% percentile interval of the mean runs exactly from the smallest to the largest diff.
    base, meth = pair(_table(), "baseline", "m", 10)
    c = compare_pair(base, meth, "m", 10, np.random.default_rng(1), resamples=20000)
    assert c.d_test_accuracy_ci == pytest.approx((0.0, 0.10))
    assert c.d_gap_ci == pytest.approx((-0.30, 0.0))


def test_ci_matches_exact_bootstrap_distribution():
    # Enumerate all 4**4 equally likely resamples: the exact bootstrap distribution of the mean.
    d = np.array([0.0, 0.1, 0.3, 0.7])
    means = np.sort([np.mean(d[list(ix)]) for ix in itertools.product(range(4), repeat=4)])
    exact_lo = means[math.ceil(0.025 * len(means)) - 1]
    exact_hi = means[math.ceil(0.975 * len(means)) - 1]
    base = np.zeros((4, 2))
    meth = np.stack([d, d], axis=1)
    c = compare_pair(base, meth, "m", None, np.random.default_rng(3), resamples=200000)
    step = 0.1 / 4   # the smallest distance between atoms of the distribution
    assert abs(c.d_test_accuracy_ci[0] - exact_lo) <= step
    assert abs(c.d_test_accuracy_ci[1] - exact_hi) <= step


def test_ci_agrees_with_scipy_percentile_bootstrap():
    d = np.random.default_rng(7).normal(0.02, 0.05, size=25)
    base = np.zeros((25, 2))
    meth = np.stack([d, -d], axis=1)
    c = compare_pair(base, meth, "m", None, np.random.default_rng(0), resamples=20000)
    ref = sps.bootstrap((d,), np.mean, confidence_level=0.95, n_resamples=20000,
                        method="percentile", rng=np.random.default_rng(1)).confidence_interval
    se = d.std(ddof=1) / 5
    assert c.d_test_accuracy_ci[0] == pytest.approx(ref.low, abs=0.1 * se)
    assert c.d_test_accuracy_ci[1] == pytest.approx(ref.high, abs=0.1 * se)
    assert c.d_gap_ci == pytest.approx((-c.d_test_accuracy_ci[1], -c.d_test_accuracy_ci[0]))


def test_identical_differences_give_a_point_interval_and_seeded_results():
    base = np.array([[0.5, 0.2]] * 5)
    meth = base + [0.1, -0.1]
    c = compare_pair(base, meth, "m", None, np.random.default_rng(0), resamples=500)
    assert c.d_test_accuracy_ci == pytest.approx((0.1, 0.1))
    assert c.reduction_ci == pytest.approx((0.5, 0.5))
    rows = _table()
    a = compare(rows, ["baseline", "m"], "baseline", [10, 20], resamples=1000, seed=5)
    b = compare(rows, ["baseline", "m"], "baseline", [10, 20], resamples=1000, seed=5)
    assert a == b


def test_reduction_undefined_when_baseline_does_not_overfit():
    assert math.isnan(float(reduction(np.array([0.0, -0.1]), np.array([0.1, 0.1]))))
    base = np.array([[0.9, 0.0], [0.9, -0.02]])
    c = compare_pair(base, base, "m", None, np.random.default_rng(0), resamples=200)
    assert math.isnan(c.reduction) and all(math.isnan(v) for v in c.reduction_ci)


def test_only_complete_pairs_are_used():
    rows = [r for r in _table()
            if not (r["method"] == "m" and r["seed"] == 2 and r["train_size"] == 10)]
    base, meth = pair(rows, "baseline", "m", 10)
    assert base.shape == (2, 2)
    np.testing.assert_allclose(meth[:, 0] - base[:, 0], [0.05, 0.0])


def test_summarize_means_and_sd():
    rows = [dict(r, train_accuracy=1.0, val_accuracy=1.0 - r["gap_accuracy"], val_gap_accuracy_best=0.0,
                 val_gap_accuracy_area=2.0, epochs_run=10, wall_time=0.5) for r in _table()]
    s = {(e["method"], e["train_size"]): e for e in summarize(rows, ["baseline", "m"], [10, 20])}
    assert s[("baseline", 10)]["test_accuracy"] == pytest.approx(0.70)
    assert s[("baseline", 10)]["test_accuracy_sd"] == pytest.approx(0.10)
    assert s[("m", 20)]["gap_accuracy"] == pytest.approx(0.05)
    assert s[("m", 20)]["n"] == 3
