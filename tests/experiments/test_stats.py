"""Paired statistics on hand-made tables whose answers are worked out by hand: pairing by
(split, seed, n), the hierarchical resampling arithmetic, BCa against scipy, the t-union below 10
units, p-values that invert the intervals, and Holm's adjustment."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats as sps

from augfit.experiments.stats import CellResult
from augfit.experiments.stats import stats as st
from augfit.experiments.stats.stats import (
    Draws,
    compare,
    holm,
    holm_levels,
    paired_units,
    resampled_means,
    summarize,
)


def _row(method, seed, size, acc, train, split=0, loss=0.5, train_loss=0.1, **extra):
    return CellResult(method, split, seed, size, test_accuracy=acc, train_accuracy=train,
                      test_loss=loss, train_loss=train_loss, **extra)


# size 10 (split 0): baseline acc .60 .70 .80 train 1; method acc .65 .70 .90,
# train .95 .95 .95
def _table():
    rows = []
    for seed, (b, m) in enumerate([(0.60, 0.65), (0.70, 0.70), (0.80, 0.90)]):
        rows.append(_row("baseline", seed, 10, b, 1.0))
        rows.append(_row("m", seed, 10, m, 0.95, loss=0.4))
    return rows


def test_point_estimates_by_hand():
    (c,) = compare(_table(), ["baseline", "m"], "baseline", [10], resamples=2000, seed=0)
    s = c.stats
    assert c.n_units == 3 and c.n_splits == 1 and not c.example_level
    assert s["d_test_accuracy"].value == pytest.approx((0.05 + 0.0 + 0.10) / 3)
    # gap = train - test: baseline .40 .30 .20 (mean .30); method .30 .25 .05 (mean .20)
    assert s["baseline_gap"].value == pytest.approx(0.30)
    assert s["d_gap"].value == pytest.approx(-0.10)
    assert s["reduction"].value == pytest.approx(1 - 0.20 / 0.30)      # a ratio of means
    assert s["d_train_accuracy"].value == pytest.approx(-0.05)
    assert s["d_test_loss"].value == pytest.approx(-0.1)
    assert s["d_gap_loss"].value == pytest.approx(-0.1)                # (.4-.1) - (.5-.1)
    assert c.win_rate == pytest.approx(2 / 3)


def test_pairs_by_split_seed_and_size_only_complete_pairs():
    rows = [_row("baseline", seed, 10, 0.5 + seed / 10, 1.0, split=sp) for sp in (0, 1)
            for seed in (0, 1, 2)]
    rows += [_row("m", seed, 10, 0.6 + seed / 10 + sp / 100, 1.0, split=sp) for sp in (0, 1)
             for seed in (0, 1, 2) if (sp, seed) != (1, 2)]
    u = paired_units(rows, "baseline", "m", 10)
    assert u.splits == [0, 1] and u.valid.tolist() == [[True] * 3, [True, True, False]]
    d = u.x[..., st.MT] - u.x[..., st.BT]
    np.testing.assert_allclose(d[u.valid], [0.1, 0.1, 0.1, 0.11, 0.11])
    assert paired_units(rows, "baseline", "m", 20).n_units == 0


def test_resampled_means_follow_the_drawn_indices_and_example_weights():
    # 2 splits x 2 seeds, one column of interest; unit values v[s, j]
    x = np.zeros((1, 2, 2, 8))
    x[0, :, :, st.MR] = [[1.0, 2.0], [10.0, 20.0]]
    # resample 0: positions draw split 1 (seeds 0, 0) and split 1 (seeds 1, 0) -> (10+10+20+10)/4
    # resample 1: split 0 (seeds 1, 1), split 1 (seed 1, 1)                     -> (2+2+20+20)/4
    d = Draws(split=np.array([[1, 1], [0, 1]]),
              seed=np.array([[[0, 0], [1, 0]], [[1, 1], [1, 1]]]),
              keep=np.ones((2, 2, 2), bool))
    np.testing.assert_allclose(resampled_means(x, d)[0, :, st.MR], [12.5, 11.0])
    # the example level (one shared test set): resample b moves by the change example draw b
    # makes to the mean over all units; method accuracy of unit (s, j) under draw b: t[b, s, j]
    t = np.zeros((1, 2, 2, 2, 4))
    t[0, 0, :, :, 1] = [[0.0, 0.0], [1.0, 0.5]]           # draw 0: mean 1.5 / 4
    t[0, 1, :, :, 1] = [[0.2, 0.4], [0.6, 0.8]]           # draw 1: mean 2.0 / 4
    x[0, :, :, st.MT] = [[0.1, 0.2], [0.3, 0.2]]          # without a draw: mean 0.2
    got = resampled_means(x, d, t, np.ones((2, 2), bool))[0]
    # unit draws as above: resample 0 (.3 + .3 + .2 + .3) / 4, resample 1 (.2 .2 .2 .2) / 4
    np.testing.assert_allclose(got[:, st.MT], [1.1 / 4 + 0.375 - 0.2, 0.2 + 0.5 - 0.2])
    np.testing.assert_allclose(got[:, st.MR], [12.5, 11.0])          # train columns unchanged


def test_draws_are_seeded_and_stay_inside_each_split():
    valid = np.array([[True, True, True], [True, False, False]])
    a = st.draw(valid, 500, np.random.default_rng(3))
    b = st.draw(valid, 500, np.random.default_rng(3))
    assert np.array_equal(a.seed, b.seed) and np.array_equal(a.split, b.split)
    counts = st.unit_counts(a)
    assert counts[:, 1, 1:].sum() == 0                              # split 1 has one unit
    # a drawn split fills as many positions as it has units: 3 for split 0, 1 for split 1
    np.testing.assert_allclose(counts.sum(axis=(1, 2)),
                               3 * (a.split == 0).sum(axis=1) + (a.split == 1).sum(axis=1))


def test_bca_matches_scipy_on_one_level_data():
    d = np.random.default_rng(7).gamma(2.0, 0.02, size=30) - 0.02         # skewed differences
    rows = [_row("baseline", i, 10, 0.5, 1.0) for i in range(30)]
    rows += [_row("m", i, 10, 0.5 + d[i], 1.0) for i in range(30)]
    (c,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=20000, seed=1)
    ref = sps.bootstrap((d,), np.mean, confidence_level=0.95, n_resamples=20000, method="BCa",
                        rng=np.random.default_rng(2)).confidence_interval
    se = d.std(ddof=1) / math.sqrt(30)
    e = c.stats["d_test_accuracy"]
    (lo,), (hi,) = st.bca_interval(np.array([e.value]), e.boot[None], e.jack[None], 0.95)
    assert lo == pytest.approx(ref.low, abs=0.08 * se)
    assert hi == pytest.approx(ref.high, abs=0.08 * se)
    # the reported interval is its union with the t-interval
    half = sps.t.ppf(0.975, 29) * se
    assert e.ci == pytest.approx((min(lo, d.mean() - half), max(hi, d.mean() + half)))


@pytest.mark.parametrize("n", [5, 20])
def test_the_interval_contains_the_units_t_interval(n):
    d = np.resize([0.01, 0.03, -0.01, 0.02, 0.04], n) + np.arange(n) / 1000
    rows = [_row("baseline", i, 10, 0.5, 1.0) for i in range(n)]
    rows += [_row("m", i, 10, 0.5 + d[i], 1.0) for i in range(n)]
    (c,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=4000, seed=0)
    e = c.stats["d_test_accuracy"]
    se = d.std(ddof=1) / math.sqrt(n)
    half = sps.t.ppf(0.975, n - 1) * se
    assert e.ci[0] <= d.mean() - half + 1e-12 and e.ci[1] >= d.mean() + half - 1e-12
    assert e.p >= 2 * sps.t.sf(d.mean() / se, n - 1) - 1e-12
    assert e.se_t == pytest.approx(se) and e.df == n - 1
    # the standard error the interval implies: at least the units' own
    assert e.se == pytest.approx((e.ci[1] - e.ci[0]) / (2 * sps.t.ppf(0.975, n - 1)))
    assert e.se >= se - 1e-12


@pytest.mark.parametrize("shift", [0.004, 0.01, 0.015])
def test_p_value_inverts_the_interval(shift):
    # (within the bootstrap's resolution: p well above 1/resamples)
    d = np.random.default_rng(5).normal(shift, 0.02, size=12)
    rows = [_row("baseline", i, 10, 0.5, 1.0, split=i % 3) for i in range(12)]
    rows += [_row("m", i, 10, 0.5 + d[i], 1.0, split=i % 3) for i in range(12)]
    (c,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=20000, seed=0)
    e = c.stats["d_test_accuracy"]
    assert 0.002 < e.p < 1
    lo, hi = e.interval(1 - e.p * 1.1)         # a narrower interval than 1 - p: excludes 0
    assert not lo <= 0 <= hi
    lo, hi = e.interval(1 - e.p * 0.9)         # a wider one: includes 0
    assert lo <= 0 <= hi


def test_identical_differences_give_a_point_interval_and_p_zero():
    rows = [_row("baseline", i, 10, 0.5, 1.0) for i in range(12)]
    rows += [_row("m", i, 10, 0.6, 1.0) for i in range(12)]
    (c,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=500, seed=0)
    e = c.stats["d_test_accuracy"]
    assert e.ci == pytest.approx((0.1, 0.1)) and e.p == 0.0
    a = compare(rows, ["baseline", "m"], "baseline", [10], resamples=500, seed=5)
    b = compare(rows, ["baseline", "m"], "baseline", [10], resamples=500, seed=5)
    assert a[0].stats == b[0].stats and a[0].means == b[0].means


def test_reduction_undefined_when_the_baseline_has_no_gap():
    rows = [_row("baseline", i, 10, 0.9, 0.9) for i in range(4)]
    rows += [_row("m", i, 10, 0.9, 0.95) for i in range(4)]
    (c,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=300, seed=0)
    assert math.isnan(c.stats["reduction"].value)


def test_holm_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # sorted 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1 -> running max 0.06
    np.testing.assert_allclose(holm(p), [0.03, 0.06, 0.06, 0.02])
    # steps: 0.005 < .05/4 rejected at 1-.05/4; 0.01 < .05/3 at 1-.05/3; 0.03 >= .05/2 stops:
    # it and every later one keep 1 - .05/2
    np.testing.assert_allclose(holm_levels(p, 0.05), [1 - 0.05 / 3, 0.975, 0.975, 1 - 0.05 / 4])
    assert np.isnan(holm([np.nan, 0.01])[0]) and holm([np.nan, 0.01])[1] == pytest.approx(0.01)


def test_holm_keeps_the_family_wise_error_on_uniform_nulls():
    u = np.random.default_rng(0).random((20000, 8))              # 8 true nulls per family
    adj = np.apply_along_axis(holm, 1, u)
    fwer = (adj < 0.05).any(axis=1).mean()
    # all nulls true: Holm rejects iff min p < .05/8, probability 1 - (1 - .05/8)**8 = 0.0489
    assert fwer == pytest.approx(1 - (1 - 0.05 / 8) ** 8, abs=0.005)
    assert (u < 0.05).any(axis=1).mean() > 0.3                   # unadjusted: far above 5%


def test_example_level_resampling_widens_when_the_test_set_is_small():
    rng = np.random.default_rng(1)
    rows = []
    for seed in range(6):
        bc = rng.random(60) < 0.8
        mc = np.where(rng.random(60) < 0.8, bc, rng.random(60) < 0.85)
        for name, c in (("baseline", bc), ("m", mc)):
            rows.append(_row(name, seed, 10, float(c.mean()), 1.0, test_correct=c,
                             test_loss_per_example=np.where(c, 0.1, 2.0).astype(np.float32),
                             loss=float(np.where(c, 0.1, 2.0).mean())))
    (with_ex,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=4000, seed=0)
    bare = [dataclasses.replace(r, test_correct=None, test_loss_per_example=None) for r in rows]
    (without,) = compare(bare, ["baseline", "m"], "baseline", [10], resamples=4000, seed=0)
    assert with_ex.example_level and not without.example_level
    assert with_ex.stats["d_test_accuracy"].value == pytest.approx(
        without.stats["d_test_accuracy"].value)
    w = np.diff(with_ex.stats["d_test_loss"].ci)[0]
    assert w > np.diff(without.stats["d_test_loss"].ci)[0]


def test_summarize_means_and_sd_with_test_gaps():
    rows = [dataclasses.replace(r, val_accuracy=0.5, best_epoch=3, epochs_run=10, wall_time=0.5)
            for r in _table()]
    s = {(e["method"], e["train_size"]): e for e in summarize(rows, ["baseline", "m"], [10])}
    assert s[("baseline", 10)]["test_accuracy"] == pytest.approx(0.70)
    assert s[("baseline", 10)]["test_accuracy_sd"] == pytest.approx(0.10)
    assert s[("m", 10)]["gap_accuracy"] == pytest.approx(0.20)       # train - test
    assert s[("m", 10)]["gap_loss"] == pytest.approx(0.3)            # test - train loss
    assert s[("m", 10)]["n"] == 3


# -- the bootstrap's arithmetic by hand (found by make mutate, docs/testing.md) -----------------
def test_jackknife_means_by_hand():
    from augfit.experiments.stats.bootstrap import jackknife_means

    # E=2 experiments, 2 splits x 2 seeds, K=3 columns; unit (1, 1) is padding
    x = np.arange(24, dtype=float).reshape(2, 2, 2, 3)
    valid = np.array([[True, True], [True, False]])
    units = x[:, valid]                                        # (2, 3, 3): the three real units
    want = np.stack([(units.sum(axis=1) - units[:, i]) / 2 for i in range(3)], axis=1)
    np.testing.assert_array_equal(jackknife_means(x, valid), want)
    two = np.array([[True, False], [True, False]])             # 2 units: each mean is the other
    np.testing.assert_array_equal(jackknife_means(x, two), x[:, two][:, ::-1])
    one = np.array([[True, False], [False, False]])            # 1 unit: 0 / max(0, 1)
    np.testing.assert_array_equal(jackknife_means(x, one), np.zeros((2, 1, 3)))


def test_draw_picks_every_real_seed_of_an_unbalanced_layout_and_never_a_padding_one():
    from augfit.experiments.stats.bootstrap import draw

    valid = np.array([[True, False, False], [True, True, True]])   # 1 seed, then 3 seeds
    d = draw(valid, 400, np.random.default_rng(0))
    counts = valid.sum(axis=1)[d.split]                               # (B, S) units of each draw
    assert (d.seed < np.maximum(counts, 1)[..., None]).all()
    np.testing.assert_array_equal(d.keep, np.arange(3) < counts[..., None])
    big = d.seed[(d.split == 1)[..., None] & d.keep]
    assert set(big.tolist()) == {0, 1, 2}
    assert set(d.seed[(d.split == 0)[..., None] & d.keep].tolist()) == {0}


def test_the_example_level_needs_the_valid_mask():
    from augfit.experiments.stats.bootstrap import draw, resampled_means

    valid = np.ones((1, 2), bool)
    d = draw(valid, 3, np.random.default_rng(0))
    with pytest.raises(ValueError) as err:
        resampled_means(np.zeros((1, 1, 2, 4)), d, test=np.zeros((1, 3, 1, 2, 4)))
    assert str(err.value) == "resampled_means: the example level needs the units' valid mask"


def test_paired_units_of_one_unit_or_without_common_units():
    from augfit.experiments.stats.pairing import paired_units

    rows = [_row("none", 0, 10, 0.5, 0.9), _row("m", 0, 10, 0.6, 0.8)]
    u = paired_units(rows, "none", "m", 10)
    assert u.splits == [0] and u.x.shape == (1, 1, 8) and u.n_units == 1
    empty = paired_units(rows, "none", "other", 10)
    assert empty.splits == [] and empty.x.shape == (0, 0, 8) and empty.valid.shape == (0, 0)


def test_paired_units_take_each_cells_example_draws_by_hand():
    """Unit (split, seed) gets the base then method accuracy, then base then method loss, of its
    own cells' example draws; n_test is each split's test-set size."""
    from augfit.experiments.stats.example_draws import ExampleDraws, cell_id
    from augfit.experiments.stats.pairing import paired_units

    rows = [_row(meth, seed, 10, 0.5, 0.9, split=split)
            for meth in ("none", "m") for split, seed in [(0, 0), (0, 1), (1, 0)]]
    draws = ExampleDraws(resamples=2, seed=0)
    for i, r in enumerate(rows):  # draw b of cell i: accuracy i + b/10, loss 100 + i + b/10
        draws.values[cell_id(r)] = np.array([[i, 100 + i], [i + 0.1, 100.1 + i]])
        draws.n_test[cell_id(r)] = 50 if r["split"] == 0 else 40
    u = paired_units(rows, "none", "m", 10, draws)
    np.testing.assert_array_equal(u.n_test, [50, 40])
    assert u.test.shape == (2, 2, 2, 4)
    # split 0 seed 1: base is cell 1, method cell 4; split 1 seed 0: base 2, method 5
    np.testing.assert_allclose(u.test[:, 0, 1], [[1, 4, 101, 104], [1.1, 4.1, 101.1, 104.1]])
    np.testing.assert_allclose(u.test[:, 1, 0], [[2, 5, 102, 105], [2.1, 5.1, 102.1, 105.1]])
    np.testing.assert_array_equal(u.test[:, 1, 1], 0)  # padding


# -- found by make mutate (docs/testing.md, "Mutation testing") --
def test_summarize_by_hand():
    from augfit.experiments.stats.results import CellResult
    from augfit.experiments.stats.stats import summarize

    def row(method, size, tr, te, trl, tel, val=0.5, best=3, epochs=4, wall=1.0):
        return CellResult(method, 0, 0, size, train_accuracy=tr, test_accuracy=te,
                          train_loss=trl, test_loss=tel, val_accuracy=val, best_epoch=best,
                          epochs_run=epochs, wall_time=wall)

    rows = [row("base", 10, 1.0, 0.5, 0.25, 1.0, best=2, epochs=4, wall=2.0),
            row("base", 10, 0.75, 0.5, 0.5, 1.5, val=0.75, best=4, epochs=6, wall=4.0),
            row("base", 30, 0.5, 0.25, 1.0, 1.25),
            row("drop", 30, 0.5, 0.5, 1.0, 1.0)]
    # "drop" has no cell at size 10: the size after it is still summarized
    out = summarize(rows, ["base", "drop"], [10, 30])
    assert [(e["method"], e["train_size"], e["n"]) for e in out] == [
        ("base", 10, 2), ("base", 30, 1), ("drop", 30, 1)]
    first = out[0]
    expect = {"train_accuracy": (0.875, 0.25 / 2 ** 0.5), "val_accuracy": (0.625, 0.25 / 2 ** 0.5),
              "test_accuracy": (0.5, 0.0), "gap_accuracy": (0.375, 0.25 / 2 ** 0.5),
              "test_loss": (1.25, 0.5 / 2 ** 0.5), "gap_loss": (0.875, 0.25 / 2 ** 0.5),
              "best_epoch": (3.0, 2 / 2 ** 0.5), "epochs_run": (5.0, 2 / 2 ** 0.5),
              "wall_time": (3.0, 2 / 2 ** 0.5)}
    assert set(first) == {"method", "train_size", "n"} | set(expect) | {
        k + "_sd" for k in expect}
    for k, (mean, sd) in expect.items():
        assert first[k] == pytest.approx(mean, abs=1e-12), k
        assert first[k + "_sd"] == pytest.approx(sd, abs=1e-12), k
    assert out[1]["gap_loss"] == 0.25 and out[1]["gap_accuracy"] == 0.25
    assert all(out[1][k + "_sd"] == 0.0 for k in expect)  # one cell: no spread


def test_summarize_averages_float32_metrics_in_float64():
    """A float32 model's metrics (NumPy scalars) are averaged in float64: the mean of the three
    float32 values 0.1, 0.2, 0.7 is their exact sum / 3 = 0.33333333085, not the float32 mean
    0.33333334327 (which a float32 array would give)."""
    vals = [np.float32(0.1), np.float32(0.2), np.float32(0.7)]
    exact = [float(v) for v in vals]   # 0.10000000149, 0.20000000298, 0.69999998808
    rows = [_row("m", seed, 10, v, v, loss=v) for seed, v in enumerate(vals)]
    (e,) = summarize(rows, ["m"], [10])
    mean = sum(exact) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in exact) / 2)
    for k in ("test_accuracy", "train_accuracy", "test_loss"):
        assert e[k] == pytest.approx(mean, rel=1e-13), k
        assert e[k + "_sd"] == pytest.approx(sd, rel=1e-13), k
    assert abs(mean - float(np.array(vals).mean())) > 1e-9   # the float32 mean is another number


def test_design_warning_texts_by_design(monkeypatch):
    """The report's design warning, word for word, for each kind of design (the coverage table
    SIMULATED: 3 x 4 covers 91.9 %, 3 x 2 covers 94.5 % at 1.21x the oracle width, 1 x 10 96 %)."""
    from augfit.experiments.stats.stats import design_warning

    tail = (": with fewer than 5 splits the split level has too few degrees of freedom for an "
            "interval both honest and narrow. Use 10 splits x 2 seeds (the cost of 5 x 4) or more "
            "(docs/statistics.md).")
    assert design_warning(5, 1) is None and design_warning(6, 2) is None
    assert design_warning(3, 4) == ("The design 3 splits x 4 seeds covers only 91.9% for a "
                                    "nominal 95% in simulation" + tail)
    assert design_warning(3, 2) == (
        "The design 3 splits x 2 seeds covers 94.5% for a nominal 95% in simulation, but only "
        "with intervals 1.21x the width a correct 95% interval needs" + tail)
    assert design_warning(4, 2) == (
        "The design 4 splits x 2 seeds is not validated by the coverage simulation (with 3 "
        "splits no interval method met 93-97% coverage at 1.2x the oracle width for every split "
        "component)" + tail)
    assert design_warning(1, 3) == (
        "One split: the intervals cover the seeds and the test images, not the choice of the "
        "training pool and val set; in simulation 1 split x 10 seeds covered 96% for a nominal "
        "95% with a small pool component, a larger one is not covered. Use 10 splits x 2 seeds "
        "(the cost of 5 x 4) or more (docs/statistics.md).")
    # exactly 93 % coverage is within the bound: no "only"
    monkeypatch.setitem(st.SIMULATED, (2, 3), (0.93, 1.1))
    assert design_warning(2, 3) == (
        "The design 2 splits x 3 seeds covers 93.0% for a nominal 95% in simulation, but only "
        "with intervals 1.10x the width a correct 95% interval needs" + tail)


def test_compare_defaults_and_the_shared_test_flag():
    """Two splits, each scored on a test set of its own: no example level unless ``shared_test``
    says every split was scored on one (official) test set; the defaults are 10,000 resamples
    from seed 0."""
    rng = np.random.default_rng(3)
    rows = []
    for split in (0, 1):
        for seed in (0, 1):
            for name in ("baseline", "m"):
                c = rng.random(20) < 0.7
                rows.append(_row(name, seed, 10, float(c.mean()), 1.0, split=split,
                                 test_correct=c,
                                 test_loss_per_example=np.where(c, 0.1, 2.0).astype(np.float32)))
    assert not st.example_level(rows) and st.example_level(rows, True)
    assert st.example_level(rows[:4])                  # split 0 alone: its one test set
    assert st.study_draws(rows, 50, 0) is None
    shared = st.study_draws(rows, 50, 0, shared_test=True)
    assert shared is not None and len(shared.values) == len(rows)
    (own,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=50)
    (one,) = compare(rows, ["baseline", "m"], "baseline", [10], resamples=50, shared_test=True)
    assert not own.example_level and one.example_level
    assert own.stats["d_test_loss"].ci != one.stats["d_test_loss"].ci

    def boot(**kw):   # the resamples (with 4 units the t-interval is the wider, so the ci
        (c,) = compare(rows, ["baseline", "m"], "baseline", [10], **kw)   # would not show them)
        return c.stats["d_test_accuracy"].boot

    default = boot()
    assert default.shape == (10_000,)
    np.testing.assert_array_equal(default, boot(resamples=10_000, seed=0))
    assert not np.array_equal(default, boot(resamples=10_000, seed=1))


def test_compare_replays_compare_units_per_method_and_size():
    """compare = compare_units for each method i and size j with a pair, from derive(seed, i,
    j + 1), with the shared example draws (test: official over two splits) and the confidence;
    a size without pairs (20) is skipped, not the end."""
    from augfit.experiments.stats.example_draws import example_draws
    from augfit.rng import derive

    rng = np.random.default_rng(5)
    rows = []
    for split in (0, 1):
        for seed in (0, 1):
            for name in ("baseline", "a", "b"):
                for size in (10, 30):
                    c = rng.random(20) < 0.7
                    rows.append(_row(name, seed, size, float(c.mean()), 1.0, split=split,
                                     test_correct=c, test_loss_per_example=np.where(
                                         c, 0.1, 2.0).astype(np.float32)))
    draws = example_draws(rows, 40, 7, shared=True)
    got = compare(rows, ["a", "baseline", "b"], "baseline", [20, 10, 30], resamples=40, seed=7,
                  confidence=0.9, shared_test=True)
    want = [st.compare_units(paired_units(rows, "baseline", m, n, draws), m, n,
                             derive(7, mi, si + 1), 40, 0.9)
            for mi, m in ((0, "a"), (2, "b")) for si, n in ((1, 10), (2, 30))]
    assert [(c.method, c.train_size) for c in got] == [("a", 10), ("a", 30), ("b", 10), ("b", 30)]
    for c, w in zip(got, want, strict=True):
        for k in ("d_test_accuracy", "d_test_loss"):
            np.testing.assert_array_equal(c.stats[k].boot, w.stats[k].boot)
            assert c.stats[k].ci == w.stats[k].ci and c.stats[k].confidence == 0.9


def test_compare_units_of_one_unit_none_and_mismatched_draws():
    from augfit.errors import ConfigError
    from augfit.experiments.stats.example_draws import example_draws

    rows = [_row("none", 0, 10, 0.5, 0.9), _row("m", 0, 10, 0.75, 0.875)]
    one = st.compare_units(paired_units(rows, "none", "m", 10), "m", 10,
                           np.random.default_rng(0))
    assert one.n_units == 1 and one.d_test_accuracy == 0.25
    assert one.stats["d_test_accuracy"].boot.shape == (10_000,)       # the default resamples
    with pytest.raises(ConfigError) as e:
        st.compare_units(paired_units(rows, "none", "other", 10), "other", 10,
                         np.random.default_rng(0))
    assert str(e.value) == ("method 'other' has no cell paired with the baseline at "
                            "train_size=10; run the grid before comparing")
    c = np.array([True, False, True, True])
    ex = [dataclasses.replace(r, test_correct=c, test_loss_per_example=np.ones(4, np.float32))
          for r in rows]
    units = paired_units(ex, "none", "m", 10, example_draws(ex, 50, 0))
    with pytest.raises(ConfigError) as e:
        st.compare_units(units, "m", 10, np.random.default_rng(0), resamples=60)
    assert str(e.value) == ("the shared example draws have 50 resamples; this comparison asks "
                            "for 60: draw them with the same bootstrap.resamples")


def test_decide_checks_its_level_and_smallest_effect_at_both_ends():
    from augfit.errors import ConfigError
    from augfit.experiments.stats.decision import decide
    from augfit.experiments.stats.intervals import Estimate
    est = Estimate(0.02, (0.01, 0.03), 0.01)
    assert decide(est, 0.95, 0.5) == decide(est, 0.95, 0.005) == "inconclusive"
    for effect in (0, 0.6):
        with pytest.raises(ConfigError) as e:
            decide(est, 0.95, effect)
        assert str(e.value) == (
            f"decide(smallest_effect=...) is a fraction of accuracy in (0, 0.5] (0.01 = 1 pp), "
            f"got {effect!r}; divide the spec's answer.smallest_effect (pp) by 100")
    for level in (0, 1, 1.5):
        with pytest.raises(ConfigError) as e:
            decide(est, level, 0.01)
        assert str(e.value) == (
            f"decide(level=...) must be a confidence level in (0, 1), got {level!r}")


def test_classify_at_the_bounds_of_each_category():
    from augfit.experiments.stats.decision import classify

    # an interval touching 0 is not above or below it; one reaching +-smallest_effect is not
    # within it (binary fractions, so the bounds are exact)
    assert classify((0.0, 0.25), 0.125) == "inconclusive"
    assert classify((-0.25, 0.0), 0.125) == "inconclusive"
    assert classify((-0.0625, 0.125), 0.125) == "inconclusive"
    assert classify((-0.125, 0.0625), 0.125) == "inconclusive"
    assert classify((-0.0625, 0.0625), 0.125) == "negligible"
    assert classify((2 ** -20, 0.25), 0.125) == "helps"
    assert classify((-0.25, -(2 ** -20)), 0.125) == "hurts"


# -- bca_pvalue and Holm at their edges: found by make mutate --
def _no_skew():
    """A row whose BCa parts are z0 = 0 (theta 4.5 has half the resamples below it) and a = 0
    (symmetric jackknife): its p-value for a null inside is 2 x min(frac, 1 - frac)."""
    return np.array([-1.0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 4.5, np.array([0.0, 1.0, 2.0])


@pytest.mark.parametrize(("null", "p"), [
    (0.0, 0.2),           # one resample of 10 below: frac = 1/10
    (8.5, 0.2),           # one above: frac = 9/10
    (1.0, 0.3),           # one below and one tied: frac = (1 + 1/2)/10
    (4.5, 1.0),           # the middle
    (-2.0, 0.0),          # below every resample: no interval reaches it
    (9.5, 0.0),           # above every resample
])
def test_bca_pvalue_without_bias_or_acceleration_by_hand(null, p):
    from augfit.experiments.stats.intervals import bca_pvalue
    boot, theta, jack = _no_skew()
    # a second row (another comparison) must not change the first's counts
    other = np.array([-50.0, -40, -30, -20, -10, -5, -4, -3, -2, -1])
    got = bca_pvalue(np.array([theta, -3.5]), np.stack([boot, other]), np.stack([jack, jack]),
                     null)
    assert got[0] == pytest.approx(p, abs=1e-12)
    # shifted by -10 (every value negative): the same p
    shifted = bca_pvalue(np.array([theta - 10]), boot[None] - 10, jack[None], null - 10)
    assert shifted[0] == pytest.approx(p, abs=1e-12)


def test_bca_pvalue_defaults_to_a_null_of_zero():
    from augfit.experiments.stats.intervals import bca_pvalue
    boot, theta, jack = _no_skew()
    assert bca_pvalue(np.array([theta]), boot[None], jack[None])[0] == pytest.approx(0.2)


def test_bca_pvalue_inverts_the_bca_percentile_with_bias_and_acceleration():
    """p is 1 - the level whose BCa interval ends at the null: solved here numerically from the
    forward percentile map (:func:`intervals._bca_percentile`), not from the closed form."""
    from scipy.optimize import brentq

    from augfit.experiments.stats.intervals import _bca_percentile, bca_parts, bca_pvalue
    rng = np.random.default_rng(12)
    boot = np.round(rng.gamma(2.0, 0.5, (4, 40)) - 0.5, 1)          # skewed, with ties
    jack = rng.gamma(1.0, 1.0, (4, 9)) * np.array([[1], [-1], [1], [-1]])  # a of both signs
    theta = np.array([1.2, 0.6, 0.9, 1.5])
    nulls = [0.0, 0.3, 2.0, 1.1]
    z0, a = bca_parts(theta, boot, jack)
    assert (np.abs(z0) > 0.1).all() and (np.abs(a) > 0.02).all()
    for e, null in enumerate(nulls):
        frac = ((boot[e] < null).sum() + 0.5 * (boot[e] == null).sum()) / 40
        assert 0 < frac < 1

        def end(alpha, lower, e=e):
            z = sps.norm.ppf(alpha if lower else 1 - alpha)
            return float(_bca_percentile(z0[e:e + 1], a[e:e + 1], np.array([z]))[0])

        lower = frac < end(0.5, True)
        want = 2 * brentq(lambda al, lo=lower, f=frac: end(al, lo) - f, 1e-9, 0.5, xtol=1e-14)
        got = bca_pvalue(theta[e:e + 1], boot[e:e + 1], jack[e:e + 1], null)[0]
        assert got == pytest.approx(want, rel=1e-9)


def test_bca_pvalue_past_the_pole_is_zero(monkeypatch):
    """Where 1 + a w <= 0 no interval's end reaches the null (the percentile map is taken as
    0 or 1 past its pole), so p = 0; at the pole itself too. The BCa parts are set to put the
    null exactly there (z0 = 0, a = -1 / w)."""
    from augfit.experiments.stats import intervals as iv
    boot, theta, jack = _no_skew()
    w = sps.norm.ppf(0.1)                   # frac = 1/10 at null 0
    near = (-1.0 / w, np.nextafter(-1.0 / w, np.inf), np.nextafter(-1.0 / w, -np.inf))
    a = next(c for c in near if 1.0 + c * w == 0.0)     # the pole exactly, in floats
    for acc in (a, 2 * a):
        monkeypatch.setattr(iv, "bca_parts", lambda *_, acc=acc: (np.zeros(1), np.array([acc])))
        assert iv.bca_pvalue(np.array([theta]), boot[None], jack[None])[0] == 0.0
    # just before the pole p is small but positive
    monkeypatch.setattr(iv, "bca_parts", lambda *_: (np.zeros(1), np.array([0.9 * a])))
    assert 0 < iv.bca_pvalue(np.array([theta]), boot[None], jack[None])[0] < 1e-6


def test_bca_pvalue_without_spread():
    """Resamples that do not spread beyond 1e-12 x (1 + |theta|): p = 1 at the value itself,
    0 elsewhere; a spread just past that bound is a spread."""
    from augfit.experiments.stats.intervals import bca_pvalue
    jack = np.array([[0.0, 1.0, 2.0]])
    # a constant row beside a spread one: each row judged by its own spread
    boot = np.stack([np.full(10, 0.2), np.linspace(-1, 2, 10)])
    got = bca_pvalue(np.array([0.0, 0.0]), boot, np.repeat(jack, 2, axis=0))
    assert got[0] == 1.0 and 0 < got[1] < 1
    assert bca_pvalue(np.array([0.2]), boot[:1], jack)[0] == 0.0
    # theta 0: the bound is 1e-12; half the resamples at 0, half at 1e-12 (at the bound) or at
    # 1.5e-12 (past it: z0 = ppf(1/4) = the null's percentile, p = 2 sf(-z0) = 0.5)
    half = np.array([0.0] * 5 + [1e-12] * 5)
    assert bca_pvalue(np.array([0.0]), half[None], jack)[0] == 1.0
    assert bca_pvalue(np.array([0.0]), 1.5 * half[None], jack)[0] == pytest.approx(0.5)
    # theta 1: the bound is 2e-12; a spread of 2^-40 (9.1e-13) is none
    ones = np.array([1.0] * 5 + [1.0 + 2.0 ** -40] * 5)
    assert bca_pvalue(np.array([1.0]), ones[None], jack, 1.0)[0] == 1.0


def test_holm_caps_at_one_and_takes_missing_values():
    np.testing.assert_array_equal(holm([0.6, 0.7]), [1.0, 1.0])  # 1.2 and 0.7
    got = holm([0.01, None, 0.02])
    assert got[0] == pytest.approx(0.02) and math.isnan(got[1]) and got[2] == pytest.approx(0.02)


def test_holm_levels_of_tied_p_values_step_in_index_order():
    # 20 p-values, ten tied at 0.001 (indices 0, 2, ...) and ten at 0.002, all rejected: the
    # tied ones take the steps in the order given (NumPy's default sort does not keep it)
    p = [0.001, 0.002] * 10
    want = np.empty(20)
    want[0::2] = [1.0 - 0.05 / (20 - k) for k in range(10)]
    want[1::2] = [1.0 - 0.05 / (10 - k) for k in range(10)]
    np.testing.assert_array_equal(holm_levels(p, 0.05), want)


def test_t_se_of_one_or_two_units():
    from augfit.experiments.stats.intervals import t_se
    np.testing.assert_array_equal(t_se(np.array([[0.3], [0.5]])), [0.0, 0.0])
    assert t_se(np.array([[0.1, 0.3]]))[0] == pytest.approx(0.1)      # sd 0.1414 / sqrt(2)


def test_estimates_row_by_row_with_undefined_resamples():
    """E comparisons at once equal each computed alone; a comparison with an undefined resample
    gets the percentile interval of the defined ones (linear quantiles) and no p-value."""
    from augfit.experiments.stats.intervals import (
        bca_interval,
        bca_pvalue,
        estimates,
        t_se,
        with_t,
    )
    rng = np.random.default_rng(3)
    boot = np.stack([np.r_[np.arange(10) / 10, np.nan, np.nan, np.arange(10, 18) / 10],
                     np.linspace(-0.5, 1.0, 20), rng.normal(0, 1, 20),
                     rng.gamma(2.0, 0.2, 20) - 0.3])[..., None]        # (4, 20, 1)
    means = np.array([[0.5], [0.2], [np.nan], [0.1]])
    jack = np.array([[0.5, 0.4, 0.6], [0.0, 0.1, 0.9], [0.1, 0.2, 0.3],
                     [0.3, np.nan, 0.7]])[..., None]                     # (4, 3, 1)
    units = np.array([[0.4, 0.5, 0.6], [0.2, 0.2001, 0.1999], [0.1, 0.2, 0.3],
                      [0.1, 0.1001, 0.0999]])
    got = estimates(lambda m: m[..., 0], means, boot, jack, units, 0.8)
    assert len(got) == 4 and all(e.confidence == 0.8 for e in got)
    # row 0: 18 defined resamples 0, .1, ..., 1.7; linear quantiles at 10 % and 90 %
    assert got[0].ci == pytest.approx((0.17, 1.53), abs=1e-12) and math.isnan(got[0].p)
    assert got[0].boot.size == 0 and got[0].df == 0
    # row 2: theta undefined
    assert math.isnan(got[2].ci[0]) and math.isnan(got[2].ci[1]) and math.isnan(got[2].p)
    # rows 1 and 3 alone; an undefined leave-one-out value counts as 0 in the acceleration
    for e, jk in ((1, jack[1, :, 0]), (3, np.array([0.3, 0.0, 0.7]))):
        th, b = means[e], boot[e, :, 0][None]
        (lo,), (hi,) = bca_interval(th, b, jk[None], 0.8)
        se = float(t_se(units[e][None])[0])
        assert got[e].ci == pytest.approx(with_t(th[0], lo, hi, se, 2, 0.8), abs=1e-12)
        p = max(bca_pvalue(th, b, jk[None])[0], 2 * sps.t.sf(abs(th[0]) / se, 2))
        assert got[e].p == pytest.approx(p, abs=1e-12)
        assert got[e].se_t == pytest.approx(se) and got[e].df == 2
        np.testing.assert_array_equal(got[e].boot, b[0])
    # rows 1 and 3's units barely spread: their p is the bootstrap's, well above the t-test's
    for e in (1, 3):
        se = float(t_se(units[e][None])[0])
        assert got[e].p > 0.01 and 2 * sps.t.sf(means[e, 0] / se, 2) < 1e-4


def test_estimates_with_two_units_take_the_t_test_s_p_value():
    from augfit.experiments.stats.intervals import estimates
    boot = np.linspace(0.19, 0.21, 40)[None, :, None]       # tight resamples: p from BCa is 0
    (e,) = estimates(lambda m: m[..., 0], np.array([[0.2]]), boot,
                     np.array([[[0.1], [0.3]]]), np.array([[0.1, 0.3]]), 0.95)
    assert e.df == 1 and e.se_t == pytest.approx(0.1)
    assert e.p == pytest.approx(2 * sps.t.sf(2.0, 1), abs=1e-12)     # t = 0.2 / 0.1
    # the interval is the t-interval 0.2 +- t(1) x 0.1, which contains the BCa one
    half = sps.t.ppf(0.975, 1) * 0.1
    assert e.ci == pytest.approx((0.2 - half, 0.2 + half), abs=1e-12)


def test_bca_interval_without_bias_or_acceleration_is_the_linear_percentile_interval():
    """z0 = 0 and a = 0 (theta with half the resamples below it, a symmetric jackknife): the
    BCa interval is the percentile interval, interpolated linearly between the sorted resamples
    as np.quantile does."""
    from augfit.experiments.stats.intervals import bca_interval
    boot = np.array([[4.0, 0, 3, 1, 2], [9.0, 5, 10, 6, 8]])
    theta, jack = np.array([2.0, 8.0]), np.array([[0.0, 1, 2], [5.0, 6, 7]])
    for conf in (0.8, 0.5, 0.2):
        lo, hi = bca_interval(theta, boot, jack, conf)
        want = np.quantile(boot, [(1 - conf) / 2, (1 + conf) / 2], axis=1)
        np.testing.assert_allclose([lo, hi], want, atol=1e-12)
    # by hand at 80 %: positions 0.4 and 3.6 of the sorted rows
    np.testing.assert_allclose(bca_interval(theta, boot, jack, 0.8), [[0.4, 5.4], [3.6, 9.6]],
                               atol=1e-12)
    # theta above all of 20,000 resamples: z0 = ppf(1 - 1/40000) = 3.9, the upper end's
    # percentile Phi(2 z0 + 1.96) is 1.0 in floats, and that end is the largest resample
    many = np.arange(20000.0)[None]
    _, hi = bca_interval(np.array([1e6]), many, jack[:1], 0.95)
    assert hi[0] == 19999.0


def test_bca_bias_correction_is_clipped_at_half_a_resample():
    from augfit.experiments.stats.intervals import bca_parts
    boot = np.array([[1.0, 2, 3, 4], [1.0, 2, 3, 4]])
    z0, _ = bca_parts(np.array([0.0, 5.0]), boot, np.zeros((2, 3)))   # below and above all
    np.testing.assert_allclose(z0, [sps.norm.ppf(1 / 8), sps.norm.ppf(7 / 8)], rtol=1e-14)


def test_bca_acceleration_by_hand():
    from augfit.experiments.stats.intervals import bca_parts
    # jackknife values 0, 0, 3: deviations from their mean 1, 1, -2; a = sum d^3 / (6 (sum
    # d^2)^1.5) = -6 / (6 x 6^1.5); a constant jackknife (no spread) has a = 0
    boot = np.zeros((2, 4))
    _, a = bca_parts(np.zeros(2), boot, np.array([[0.0, 0.0, 3.0], [0.5, 0.5, 0.5]]))
    assert a[0] == pytest.approx(-1 / 6 ** 1.5, rel=1e-14) and a[1] == 0.0


def test_t_half_below_one_degree_of_freedom_is_nan():
    from augfit.experiments.stats.intervals import Estimate, t_half
    assert math.isnan(t_half(0.1, 0, 0.95)) and math.isnan(t_half(0.1, -1, 0.95))
    assert t_half(0.1, 1, 0.95) == pytest.approx(12.7062047 * 0.1)       # t(0.975, 1)
    assert math.isnan(Estimate(0.1, (0.0, 0.2), 0.5, df=0).se)
    assert Estimate(0.1, (0.0, 0.2), 0.5, df=1).se == pytest.approx(0.1 / 12.7062047)


def test_bca_percentile_at_its_pole_is_taken_on_the_side_of_y():
    from augfit.experiments.stats.intervals import _bca_percentile
    z = sps.norm.ppf(0.9)                     # y = z0 + z = z with z0 = 0
    near = (1.0 / z, np.nextafter(1.0 / z, np.inf), np.nextafter(1.0 / z, -np.inf))
    a = next(c for c in near if 1.0 - c * z == 0.0)      # 1 - a y = 0 exactly
    got = _bca_percentile(np.zeros(2), np.array([a, a]), np.array([z, -z]))
    np.testing.assert_array_equal(got, [1.0, sps.norm.cdf(-z / (1 + a * z))])
