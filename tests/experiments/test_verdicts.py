"""Verdicts, gap tags, overfitting reduction, the data multiplier and the sanity warnings, on
planted effects and hand-worked numbers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from augfit.experiments.stats import compare
from augfit.experiments.verdicts import (
    GAP_NONE,
    HELPS,
    HURTS,
    NARROWS,
    NONE,
    UNDERFITS,
    WIDENS,
    data_multiplier,
    isotonic,
    judge,
    sentence,
    warnings_for,
)


def test_isotonic_by_hand():
    np.testing.assert_allclose(isotonic([0.5, 0.7, 0.6, 0.9]), [0.5, 0.65, 0.65, 0.9])
    np.testing.assert_allclose(isotonic([0.9, 0.5, 0.4]), [0.6, 0.6, 0.6])
    np.testing.assert_allclose(isotonic([0.1, 0.2]), [0.1, 0.2])


def test_data_multiplier_interpolates_on_log_n_and_never_extrapolates():
    sizes, acc = [50, 100, 200, 400], [0.80, 0.85, 0.90, 0.92]
    # 0.875 lies halfway between 100 and 200 on the log scale: n* = sqrt(100 * 200) = 141.4
    value, text = data_multiplier(sizes, acc, 50, 0.875)
    assert value == pytest.approx(math.sqrt(100 * 200) / 50) and text == "2.8x"
    assert data_multiplier(sizes, acc, 100, 0.85)[0] == pytest.approx(1.0)
    value, text = data_multiplier(sizes, acc, 100, 0.95)
    assert math.isnan(value) and text == "> 4x"                # beyond the grid: 400/100
    value, text = data_multiplier(sizes, acc, 200, 0.70)
    assert math.isnan(value) and text == "< 0.25x"             # 50/200
    # a dip in the baseline curve is made monotone first: [.8, .86, .86, .92]
    assert data_multiplier(sizes, [0.80, 0.87, 0.85, 0.92], 50, 0.86)[0] == pytest.approx(2.0)


def _rows(effects, sizes=(50, 200), units=6, splits=2, seed=0, base_train=1.0, base_test=0.80,
          noise=0.005):
    """Contract rows: baseline and methods with planted (Δ test, Δ train) per size."""
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        for u in range(units):
            sp, sd = u % splits, u // splits
            b_test = base_test + 0.05 * (size == 200) + rng.normal(0, noise)
            rows.append({"method": "baseline", "split": sp, "seed": sd, "train_size": size,
                         "test_accuracy": b_test, "train_accuracy": base_train,
                         "test_loss": 0.6, "train_loss": 0.05})
            for name, (dt, dtr) in effects.items():
                rows.append({"method": name, "split": sp, "seed": sd, "train_size": size,
                             "test_accuracy": b_test + dt + rng.normal(0, noise),
                             "train_accuracy": base_train + dtr, "test_loss": 0.6,
                             "train_loss": 0.05})
    return rows


PLANTED = {"good": (0.03, 0.0), "placebo": (0.0, 0.0), "bad": (-0.03, 0.0),
           "wreck": (-0.05, -0.15), "overfit": (-0.02, 0.0)}


@pytest.fixture(scope="module")
def verdicts():
    # 5 splits x 2 seeds (a validated design, docs/statistics.md)
    rows = _rows(PLANTED, units=10, splits=5)
    comps = compare(rows, ["baseline", *PLANTED], "baseline", [50, 200], resamples=4000, seed=0)
    return rows, comps, {(v.method, v.train_size): v for v in judge(comps, 0.95, [50, 200])}


def test_planted_effects_get_their_verdicts(verdicts):
    _, _, v = verdicts
    for n in (50, 200):
        assert v[("good", n)].effect == HELPS and v[("good", n)].gap_tag == NARROWS
        assert v[("placebo", n)].effect == NONE and v[("placebo", n)].gap_tag == GAP_NONE
        assert v[("bad", n)].effect == HURTS and v[("bad", n)].gap_tag == WIDENS
        # train falls 15 pp and test 5 pp: the gap narrows by 10 pp, by underfitting
        assert v[("wreck", n)].effect == HURTS and v[("wreck", n)].gap_tag == UNDERFITS
        assert v[("wreck", n)].d_gap == pytest.approx(-0.10, abs=0.01)
        assert math.isnan(v[("wreck", n)].reduction)
        assert "underfitting" in v[("wreck", n)].reduction_note


def test_sentences_of_the_planted_methods(verdicts):
    import re

    _, _, v = verdicts
    vs = list(v.values())
    half = sorted(x.half_width for x in vs if x.method == "placebo")
    assert sentence("placebo", vs) == (f"placebo has no detectable effect at n = 50, 200 "
                                       f"(±{100 * half[0]:.1f} to ±{100 * half[1]:.1f} pp); no "
                                       "detectable change in the gap.")
    assert re.fullmatch(r"wreck hurts at n = 50, 200 \(n = 50: -5\.\d pp \[.*\]; n = 200: "
                        r"-5\.\d pp \[.*\]\); narrows the gap by underfitting at n = 50, 200\.",
                        sentence("wreck", vs))


def test_verdict_intervals_are_at_holm_levels_and_agree_with_the_verdict(verdicts):
    _, comps, v = verdicts
    levels = sorted({x.level for x in v.values()})
    assert all(0.95 < lvl < 1 for lvl in levels)               # adjusted: wider than 95%
    for x in v.values():
        lo, hi = x.d_test_ci
        assert (lo <= 0 <= hi) == (x.effect == NONE)
        assert (x.p_adjusted < 0.05) == (x.effect != NONE)
    # the placebo's "no effect larger than" is its half-width
    p = v[("placebo", 50)]
    assert p.half_width == pytest.approx((p.d_test_ci[1] - p.d_test_ci[0]) / 2)


def test_reduction_is_a_ratio_of_means_with_reasons_when_undefined(verdicts):
    _, _, v = verdicts
    g = v[("good", 50)]
    # baseline gap = 1 - 0.80 = .20 (mean); good's gap = .17: R = 1 - .17/.20 = 15%
    assert g.reduction == pytest.approx(0.15, abs=0.01) and g.reduction_note == ""
    rows = _rows({"m": (0.0, 0.0)}, base_train=0.805)           # baseline gap ~0.5 pp
    comps = compare(rows, ["baseline", "m"], "baseline", [50, 200], resamples=1000)
    x = judge(comps, 0.95)[0]
    assert math.isnan(x.reduction) and "< 1 pp" in x.reduction_note


def test_sentence_leads_with_the_verdict():
    rows = _rows({"good": (0.03, 0.0)}, sizes=(50, 100, 200))
    rows = [r for r in rows if not (r["method"] == "good" and r["train_size"] == 200)]
    rows += [dict(r, method="good") for r in rows if r["method"] == "baseline"
             and r["train_size"] == 200]
    comps = compare(rows, ["baseline", "good"], "baseline", [50, 100, 200], resamples=2000)
    vs = judge(comps, 0.95, [50, 100, 200])
    s = sentence("good", vs)
    assert s.startswith("good helps at n = 50, 100 (n = 50: +3.")
    assert "worth" in s and "the data" in s
    assert "has no detectable effect at n = 200 (±0.0 pp)" in s


def test_warnings():
    rows = _rows(PLANTED)                                       # 2 splits x 3 seeds
    comps = compare(rows, ["baseline", *PLANTED], "baseline", [50, 200], resamples=500, seed=0)
    base = dict(methods=["baseline", *PLANTED], baseline="baseline", sizes=[50, 200],
                expected_units=6)
    assert warnings_for(rows, comps, n_classes=10, **base) == []
    w = warnings_for(rows, comps, n_classes=2, tuned_on="split 0, seeds 0-4",
                     **dict(base, expected_units=9))
    text = "\n".join(w)
    assert "baseline is at chance at n = 50" not in text        # 80% vs 1/2: not at chance
    assert "n = 50: 6 of 9 pairs for every method" in text
    assert "tuned on a pilot (split 0, seeds 0-4)" in text
    half = [r for r in rows if not (r["method"] == "good" and r["train_size"] == 50
                                    and r["seed"] == 0)]
    half_comps = compare(half, ["baseline", *PLANTED], "baseline", [50, 200], resamples=200)
    w = warnings_for(half, half_comps, n_classes=10, **base)
    assert w == ["Fewer than 5 independent (split, seed) units in some comparisons (good at n = "
                 "50: 4); their intervals are wide and unreliable. Add seeds or splits.",
                 "Partial comparisons (a partial run or missing pairs): good at n = 50: 4 of 6 "
                 "pairs. Rerun the same command to finish the grid."]
    chance_rows = [dict(r, test_accuracy=0.1 + (r["seed"] % 2) * 0.01) for r in rows]
    chance = compare(chance_rows, ["baseline", "good"], "baseline", [50], resamples=500)
    w = warnings_for(chance_rows, chance, ["baseline", "good"], "baseline", [50], 6, 10)
    assert any("at chance at n = 50" in x for x in w)
    bad = [dict(r, diverged=True) if r["method"] == "bad" else r for r in rows]
    assert any("12 of 72 cells diverged" in x and "bad" in x
               for x in warnings_for(bad, comps, **base))
    flat = [dict(r, train_accuracy=0.5, test_accuracy=0.49, gap_accuracy=0.01) for r in rows]
    assert any("Every method underfits" in x for x in warnings_for(flat, comps, **base))
    few = compare(rows[: len(rows) // 2], ["baseline", "good"], "baseline", [50], resamples=200)
    few = [c for c in few]
    few_rows = [r for r in rows if r["seed"] < 2 and r["split"] == 0]
    few = compare(few_rows, ["baseline", "good"], "baseline", [50], resamples=200)
    assert warnings_for(rows, comps, n_classes=10, n_splits=1, **base)[0].startswith(
        "One split: the intervals cover the seeds and the test images")
    assert warnings_for(rows, comps, n_classes=10, n_splits=3, **base)[0].startswith(
        "The design 3 splits x 2 seeds covers 94.5% for a nominal 95% in simulation, but only "
        "with intervals 1.21x the width")
    assert warnings_for(rows, comps, n_classes=10, n_splits=2, **base)[0].startswith(
        "The design 2 splits x 3 seeds is not validated by the coverage simulation")
    assert any("Fewer than 5 independent" in x for x in
               warnings_for(few_rows, few, ["baseline", "good"], "baseline", [50], 2))


def test_a_diverging_learning_rate_is_flagged_end_to_end(tmp_path):
    # the audit's case: lr 10 gave a normal-looking table at 10-11% accuracy
    from augfit.experiments import run

    spec = {"name": "lr10", "dataset": {"name": "digits"}, "model": {"hidden": [16]},
            "training": {"epochs": 3, "lr": 10.0, "batch_size": 64}, "splits": 2, "seeds": 3,
            "train_sizes": [60], "bootstrap": {"resamples": 500},
            "methods": ["baseline", {"name": "drop", "dropout": 0.2}]}
    res = run(spec, out=tmp_path, workers=1, progress=False)
    assert res.report is not None
    assert res.report.warnings[0].startswith("The baseline is at chance at n = 60: its test "
                                             "accuracy 10.1% [")
    assert "includes 1/10 = 10.0%" in res.report.warnings[0]
    assert any(w.startswith("Every method underfits") for w in res.report.warnings)
