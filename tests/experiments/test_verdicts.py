"""Verdicts, gap tags, overfitting reduction, the data multiplier and the sanity warnings, on
planted effects and hand-worked numbers."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from augfit.experiments.report.answer import headline, primary_sentence
from augfit.experiments.report.verdicts import (
    ABOVE,
    BELOW,
    GAP_NONE,
    GAP_UNJUDGED,
    HELPS,
    HURTS,
    INCLUDES,
    INCONCLUSIVE,
    NARROWS,
    NEGLIGIBLE,
    NOT_COMPARABLE,
    UNDERFITS,
    WIDENS,
    data_multiplier,
    gap_tag,
    judge,
    warnings_for,
)
from augfit.experiments.stats import CellResult, compare
from augfit.experiments.stats.pooled import compare_all_pooled


def test_data_multiplier_pools_adjacent_violators_by_hand():
    """The baseline curve is made monotone by scikit-learn's isotonic regression first:
    [.5, .7, .6, .9] -> [.5, .65, .65, .9] and [.9, .5, .4] -> [.6, .6, .6]."""
    sizes = [50, 100, 200, 400]
    # .775 lies halfway from .65 (at 200) to .9 (at 400) on log n; unpooled it would sit at 7/12
    value, text = data_multiplier(sizes, [0.5, 0.7, 0.6, 0.9], 100, 0.775)
    assert value == pytest.approx(math.sqrt(200 * 400) / 100) and text == "2.8x"
    # .6 lies two thirds of the way from .5 (at 50) to the pooled .65 (at 100); unpooled, halfway
    assert data_multiplier(sizes, [0.5, 0.7, 0.6, 0.9], 100, 0.6)[0] == pytest.approx(
        50 * 2 ** (2 / 3) / 100)
    # a falling curve pools to one level, .6: just above it is beyond the grid, just below it
    # below the grid
    assert data_multiplier(sizes[:3], [0.9, 0.5, 0.4], 50, 0.61)[1] == "> 4x"
    assert data_multiplier(sizes[:3], [0.9, 0.5, 0.4], 50, 0.59)[1] == "< 1x"


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
    return [CellResult(**r) for r in rows]


PLANTED = {"good": (0.03, 0.0), "placebo": (0.0, 0.0), "bad": (-0.03, 0.0),
           "wreck": (-0.05, -0.15), "overfit": (-0.02, 0.0)}


@pytest.fixture(scope="module")
def verdicts():
    # 5 splits x 2 seeds (a validated design, docs/statistics.md)
    rows = _rows(PLANTED, units=10, splits=5)
    comps = compare(rows, ["baseline", *PLANTED], "baseline", [50, 200], resamples=4000, seed=0)
    per_size = judge(comps, 0.95, [50, 200], exploratory=True)
    return rows, comps, {(v.method, v.train_size): v for v in per_size}


@pytest.fixture(scope="module")
def primary(verdicts):
    """The answer: one result per method pooled over the sizes, Holm over the 5 methods."""
    rows = verdicts[0]
    pooled, _ = compare_all_pooled(rows, ["baseline", *PLANTED], "baseline", [50, 200],
                                   resamples=4000)
    out = {v.method: v for v in judge(pooled, 0.95, baseline_accuracy={}, n_classes=10)}
    for c in pooled:                                 # the comparisons, for the interval checks
        out[c.method].comparison = c
    return out


def test_planted_effects_per_size_are_exploratory_and_unadjusted(verdicts):
    _, _, v = verdicts
    for n in (50, 200):
        assert v[("good", n)].effect == ABOVE and v[("good", n)].gap_tag == NARROWS
        # the placebo's label is its unadjusted interval's: one of 10 may exclude 0 by chance
        lo, hi = v[("placebo", n)].d_test_ci
        assert v[("placebo", n)].effect == (ABOVE if lo > 0 else BELOW if hi < 0 else INCLUDES)
        assert abs(v[("placebo", n)].d_test) < 0.005
        assert v[("bad", n)].effect == BELOW and v[("bad", n)].gap_tag == WIDENS
        # train falls 15 pp and test 5 pp: the gap narrows by 10 pp, by underfitting
        assert v[("wreck", n)].effect == BELOW and v[("wreck", n)].gap_tag == UNDERFITS
        assert v[("wreck", n)].d_gap == pytest.approx(-0.10, abs=0.01)
        assert math.isnan(v[("wreck", n)].reduction)
        assert "underfitting" in v[("wreck", n)].reduction_note
    # every interval of a per-size row is at the unadjusted 95%
    assert {(x.level, x.gap_level, x.exploratory) for x in v.values()} == {(0.95, 0.95, True)}
    w = v[("wreck", 50)]
    assert w.d_train_ci == pytest.approx(verdicts[1][6].stats["d_train_accuracy"].ci)


def test_planted_primary_results(primary):
    v = primary
    assert v["good"].effect == HELPS and v["good"].gap_tag == NARROWS
    assert v["bad"].effect == HURTS and v["bad"].gap_tag == WIDENS
    assert v["wreck"].effect == HURTS and v["wreck"].gap_tag == UNDERFITS
    assert v["placebo"].effect == NEGLIGIBLE                    # 0 ± 0.3 pp, within ±1 pp
    assert v["placebo"].gap_tag == GAP_UNJUDGED                 # the gate: not helps or hurts
    for x in v.values():                                        # Holm over 5: above 95%
        assert 0.95 <= x.level < 1 and x.gap_level == x.level and not x.exploratory
        lo, hi = x.d_test_ci
        assert (lo > 0 or hi < 0) == (x.effect in (HELPS, HURTS))
        assert (x.p_adjusted < 0.05) == (x.effect in (HELPS, HURTS))
        # every interval on the row is at the row's level
        st = x.comparison.stats
        for ci, name in ((x.d_test_ci, "d_test_accuracy"), (x.d_gap_ci, "d_gap"),
                         (x.d_train_ci, "d_train_accuracy")):
            assert ci == pytest.approx(st[name].interval(x.level))
    assert sorted(x.level for x in v.values()) == pytest.approx(
        [0.95, 1 - 0.05 / 2, 1 - 0.05 / 3, 1 - 0.05 / 4, 1 - 0.05 / 5])   # Holm's steps
    assert v["good"].reduction_ci == pytest.approx(
        v["good"].comparison.stats["reduction"].interval(v["good"].level))


def test_primary_sentences(primary):
    import re

    v = primary
    level = f"{100 * v['good'].level:.4g}"
    assert re.fullmatch(rf"good helps: \+3\.\d pp \[\+2\.\d, \+3\.\d\] over n = 50, 200 "
                        rf"\(size-stratified\), {level}% interval \(Holm\); narrows the gap "
                        r"\(-3\.\d pp \[-3\.\d, -2\.\d\]; clean train accuracy \+0\.0 pp\)\.",
                        primary_sentence(v["good"])), primary_sentence(v["good"])
    assert re.fullmatch(r"wreck hurts: -5\.\d pp \[.*\] over n = 50, 200 \(size-stratified\), "
                        r".*; narrows the gap by underfitting \(clean train accuracy -15\.0 pp "
                        r"\[-15\.0, -15\.0\]\): not a reduction of overfitting\.",
                        primary_sentence(v["wreck"])), primary_sentence(v["wreck"])
    assert primary_sentence(v["placebo"]).startswith("placebo is negligible: ")
    assert primary_sentence(v["placebo"]).endswith(", within ±1.0 pp.")
    inc = dataclasses.replace(v["placebo"], effect=INCONCLUSIVE, mde=0.023, units_needed=40)
    assert primary_sentence(inc).endswith(
        "neither above 0 nor within ±1.0 pp; this design detects about 2.3 pp at 80% power, and "
        "about 40 units (now 10) would decide ±1.0 pp.")


def test_headline_of_the_planted_study(primary):
    v = primary
    text = headline([v[m] for m in PLANTED], ["baseline", *PLANTED], "baseline")
    amounts = [f"{100 * v[m].d_test:+.1f}" for m in ("good", "bad", "wreck", "overfit")]
    assert text == (f"good helps ({amounts[0]} pp); placebo is negligible; bad, wreck and overfit "
                    f"hurt ({amounts[1]}, {amounts[2]} and {amounts[3]} pp)")
    two = [dataclasses.replace(v["placebo"], method=m, effect=INCONCLUSIVE, units_needed=u)
           for m, u in (("a", 30), ("b", 41))]
    assert headline([v["good"], *two]) == (f"good helps ({amounts[0]} pp); a and b are "
                                           "inconclusive (would need about 41 units)")
    assert headline([], ["baseline"], "baseline") == ("Nothing is compared: the spec has only "
                                                       "the baseline (baseline).")


def test_each_gap_tag_by_hand():
    narrow, wide, none = (-0.05, -0.02), (0.02, 0.05), (-0.01, 0.01)
    # underfitting: the gap narrows, clean train accuracy drops by more than 1 pp (its whole
    # interval below -1 pp) and Δ test <= 0
    assert gap_tag(-0.01, narrow, (-0.06, -0.02)) == UNDERFITS
    assert gap_tag(0.0, narrow, (-0.06, -0.015)) == UNDERFITS
    # the audit's misfire: a -0.07 pp train change is not underfitting
    assert gap_tag(-0.01, narrow, (-0.0012, -0.0002)) == NARROWS
    # a drop whose interval reaches above -1 pp is not a detected drop of more than 1 pp
    assert gap_tag(-0.01, narrow, (-0.04, -0.005)) == NARROWS
    # Δ test > 0: the gap narrows because test accuracy rose, whatever train did
    assert gap_tag(0.002, narrow, (-0.06, -0.02)) == NARROWS
    assert gap_tag(-0.01, wide, (-0.06, -0.02)) == WIDENS
    assert gap_tag(-0.01, none, (-0.06, -0.02)) == GAP_NONE


def test_both_at_chance_are_not_comparable():
    # two models that always predict one class: 10% on a 10-class test set, identical everywhere
    rows = [dataclasses.replace(r, test_accuracy=0.1, train_accuracy=0.1)
            for r in _rows({"m": (0.0, 0.0)})]
    comps = compare(rows, ["baseline", "m"], "baseline", [50], resamples=500)
    (v,) = judge(comps, 0.95, n_classes=10)
    assert v.effect == NOT_COMPARABLE
    text = primary_sentence(v)
    assert text == ("m is not comparable (both at chance): test accuracy 10.0% and the "
                    "baseline's 10.0% at n = 50.")
    assert "+0.0 pp" not in text
    (e,) = judge(comps, 0.95, n_classes=10, exploratory=True)
    assert e.effect == NOT_COMPARABLE
    # a method that learned, against a baseline at chance, is comparable: it helps
    rows = [dataclasses.replace(r, test_accuracy=0.1 + 0.3 * (r["method"] == "m")) for r in rows]
    (v,) = judge(compare(rows, ["baseline", "m"], "baseline", [50], resamples=500), 0.95,
                 n_classes=10)
    assert v.effect == HELPS


def test_reduction_is_a_ratio_of_means_with_reasons_when_undefined(verdicts):
    _, _, v = verdicts
    g = v[("good", 50)]
    # baseline gap = 1 - 0.80 = .20 (mean); good's gap = .17: R = 1 - .17/.20 = 15%
    assert g.reduction == pytest.approx(0.15, abs=0.01) and g.reduction_note == ""
    rows = _rows({"m": (0.0, 0.0)}, base_train=0.805)           # baseline gap ~0.5 pp
    comps = compare(rows, ["baseline", "m"], "baseline", [50, 200], resamples=1000)
    x = judge(comps, 0.95)[0]
    assert math.isnan(x.reduction) and "< 1 pp" in x.reduction_note


def test_per_size_rows_carry_the_multiplier_at_their_level():
    rows = _rows({"good": (0.03, 0.0)}, sizes=(50, 100, 200))
    comps = compare(rows, ["baseline", "good"], "baseline", [50, 100, 200], resamples=2000)
    vs = {v.train_size: v for v in judge(comps, 0.95, [50, 100, 200], exploratory=True)}
    base = {n: np.mean([r["test_accuracy"] for r in rows if r["method"] == "baseline"
                        and r["train_size"] == n]) for n in (50, 100, 200)}
    assert vs[50].effect == ABOVE and vs[50].level == 0.95
    assert vs[50].multiplier == pytest.approx(data_multiplier(
        [50, 100, 200], [base[50], base[100], base[200]], 50, vs[50].test_accuracy)[0])
    assert vs[200].multiplier_text == "> 1x"                   # beyond the grid


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
    # a pilot on splits this run does not use (augfit plan's notes.pilot_splits): said, not warned
    fresh = warnings_for(rows, comps, n_classes=10, tuned_on="augfit plan pilot",
                         fresh="20-21, disjoint from this run's splits 0-1", **base)
    assert fresh == ["Settings were chosen on a pilot (augfit plan pilot) on splits 20-21, "
                     "disjoint from this run's splits 0-1: these results are not optimistic from "
                     "that choice."]
    half = [r for r in rows if not (r["method"] == "good" and r["train_size"] == 50
                                    and r["seed"] == 0)]
    half_comps = compare(half, ["baseline", *PLANTED], "baseline", [50, 200], resamples=200)
    w = warnings_for(half, half_comps, n_classes=10, **base)
    assert w == ["Fewer than 5 independent (split, seed) units in some comparisons (good at n = "
                 "50: 4); their intervals are wide and unreliable. Add seeds or splits.",
                 "Partial comparisons (a partial run or missing pairs): good at n = 50: 4 of 6 "
                 "pairs. Rerun the same command to finish the grid."]
    chance_rows = [dataclasses.replace(r, test_accuracy=0.1 + (r["seed"] % 2) * 0.01) for r in rows]
    chance = compare(chance_rows, ["baseline", "good"], "baseline", [50], resamples=500)
    w = warnings_for(chance_rows, chance, ["baseline", "good"], "baseline", [50], 6, 10)
    assert any("at chance at n = 50" in x for x in w)
    bad = [dataclasses.replace(r, diverged=True) if r["method"] == "bad" else r for r in rows]
    assert any("12 of 72 cells diverged" in x and "bad" in x
               for x in warnings_for(bad, comps, **base))
    flat = [dataclasses.replace(r, train_accuracy=0.5, test_accuracy=0.49, gap_accuracy=0.01)
            for r in rows]
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


def test_classify_the_four_categories_by_hand():
    from augfit.experiments.report.verdicts import INCONCLUSIVE, NEGLIGIBLE, classify

    assert classify((0.001, 0.03), 0.01) == HELPS                 # above 0, however small
    assert classify((-0.03, -0.001), 0.01) == HURTS
    assert classify((-0.009, 0.009), 0.01) == NEGLIGIBLE          # within ±1 pp
    assert classify((-0.01, 0.005), 0.01) == INCONCLUSIVE         # touches -1 pp: not within
    assert classify((-0.004, 0.02), 0.01) == INCONCLUSIVE
    assert classify((-0.004, 0.02), 0.05) == NEGLIGIBLE           # a larger smallest effect
    assert classify((float("nan"), float("nan")), 0.01) == INCONCLUSIVE


def test_decide_reads_the_interval_at_the_level_given(verdicts):
    from augfit.errors import ConfigError
    from augfit.experiments.report.verdicts import NEGLIGIBLE, decide

    _, comps, _ = verdicts
    by = {(c.method, c.train_size): c for c in comps}
    assert decide(by[("good", 50)], 0.95, 0.01) == HELPS          # +3 pp, sd 0.7 pp
    assert decide(by[("bad", 200)], 0.99, 0.01) == HURTS
    placebo = by[("placebo", 50)]
    assert decide(placebo, 0.95, 0.01) == NEGLIGIBLE             # 0 ± well under 1 pp
    assert decide(placebo.stats["d_test_accuracy"], 0.95, 0.01) == NEGLIGIBLE
    lo, hi = placebo.stats["d_test_accuracy"].interval(0.95)
    tight = max(-lo, hi) * 0.9                                     # just inside the interval
    assert decide(placebo, 0.95, tight) == "inconclusive"
    with pytest.raises(ConfigError, match=r"fraction of accuracy.*divide the spec's"):
        decide(placebo, 0.95, 1.0)                                 # pp passed for a fraction
    with pytest.raises(ConfigError, match="confidence level"):
        decide(placebo, 95, 0.01)


def test_answer_warnings(primary):
    from augfit.experiments.report.answer import answer_warnings

    v = primary
    assert answer_warnings([], ["baseline"], "baseline", 0.01) == [
        "The spec has only the baseline (baseline): nothing is compared. Add the methods to "
        "compare with it under methods:."]
    # every planted method's minimum detectable effect is below 1 pp here: no warning
    assert all(x.mde < 0.01 for x in v.values())
    assert answer_warnings(list(v.values()), ["baseline", *PLANTED], "baseline", 0.01) == []
    # a smallest effect of 0.1 pp is beyond this design: the warning says what would reach it
    weak = [dataclasses.replace(v["good"], mde=0.013, units_needed=40),
            dataclasses.replace(v["bad"], mde=0.021, units_needed=95)]
    (w,) = answer_warnings(weak, ["baseline", "good", "bad"], "baseline", 0.01)
    assert w == ("The design cannot detect the smallest effect of interest (1.0 pp, "
                 "answer.smallest_effect): at 80% power it detects about 1.3 pp (good) to 2.1 pp "
                 "(bad). About 95 units (now 10) would reach 1.0 pp; `augfit plan SPEC "
                 "--smallest-effect 1` sizes such a design on pilot splits.")


def test_a_spec_with_only_the_baseline_says_nothing_is_compared():
    from augfit.experiments.report import Report, answer_text
    from augfit.experiments.spec import parse_spec

    spec = parse_spec({"dataset": {"name": "digits"}, "train_sizes": [50, 200], "splits": 5,
                       "seeds": 2, "methods": ["baseline"], "bootstrap": {"resamples": 200}})
    rows = [r for r in _rows({}, units=10, splits=5) if r["method"] == "baseline"]
    rep = Report.build(spec, rows, n_classes=10)
    assert rep.headline == "Nothing is compared: the spec has only the baseline (baseline)."
    lines = answer_text(rep).splitlines()
    assert lines[0] == rep.headline
    assert "WARNING: The spec has only the baseline (baseline): nothing is compared. Add the " \
           "methods to compare with it under methods:." in lines


def test_an_inconclusive_result_the_design_could_have_decided(primary):
    v = dataclasses.replace(primary["placebo"], effect=INCONCLUSIVE, mde=0.008, units_needed=4)
    assert primary_sentence(v).endswith("this design detects about 0.8 pp at 80% power, less "
                                        "than ±1.0 pp: the effect is probably smaller than that "
                                        "but not shown to be; more units would decide it.")
    assert headline([v]) == "placebo is inconclusive (would need more units)"
    far = dataclasses.replace(v, units_needed=None)
    assert headline([far]) == "placebo is inconclusive (would need more than 100,000 units)"
