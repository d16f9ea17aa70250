"""Verdicts, worded for a practitioner (STATISTICS.md §2, §4, §5, §7), from :mod:`.stats`
comparisons.

**The answer is a small confirmatory family, declared before the run.** Each method's primary
result is its Δ test accuracy pooled over the grid's sizes (size-stratified, :mod:`.pooled`; the
comparison at the only size when the grid has one). Holm runs over the methods only, so the
family has one member per method, and :func:`decide` puts each primary result in one category:

* **helps** / **hurts**: its interval at Holm's level for it lies above / below 0;
* **negligible**: that interval lies within ±``answer.smallest_effect`` (two one-sided tests);
* **inconclusive**: anything else, stated with the minimum detectable effect at 80% power and
  about how many units would decide it (:mod:`.power`);
* **not comparable (both at chance)**: the baseline's test accuracy interval includes 1/K and the
  method does no better than that baseline could, so a difference means nothing.

Every interval on a primary row (Δ test, Δ gap, Δ clean train accuracy, the overfitting
reduction) is at that row's level. The gap tag is judged only for a method that helps or hurts
(a gate: under the complete null no gap claim can be made without a false primary claim); it is
*narrows the gap by underfitting* when the gap narrows, the clean train accuracy drops by more
than 1 pp (the whole interval below -1 pp) and Δ test <= 0; otherwise *narrows the gap* (with the
train change in numbers), *widens the gap*, or *no detectable change in the gap*.

**Per-size results are exploratory** (``judge(..., exploratory=True)``): unadjusted intervals at
``bootstrap.confidence``, labelled "above 0", "below 0" or "includes 0" rather than with a
verdict, and shown in their own table that says so. They are not part of the answer. (We chose
labelling over gating: a gate would hide the per-size pattern of exactly the methods whose pooled
result is inconclusive, where a reader most wants to see it, and labelling costs the family
nothing.) The multiplier and the reduction per size follow the same unadjusted level.

Also here:

* **overfitting reduction** R = 1 - mean gap_method / mean gap_baseline, "n/a" with the reason when
  the baseline's mean gap is below 1 pp or its interval includes 0, or when the gap narrows by
  underfitting.
* **effective data multiplier** n*/n: n* is where the baseline's test accuracy, made monotone
  (isotonic) and interpolated on log n over the grid's sizes, equals the method's at n; "> max/n"
  or "< min/n" outside the grid. Its interval (``multiplier_ci``) comes from the joint resamples
  of :mod:`.pooled`: the whole fit is redone in each resample.
* the sanity warnings (:func:`warnings_for`, :func:`answer_warnings`).

The sentences and the headline are worded in :mod:`.answer`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...train.trainer import DIVERGED_LOSS
from ..spec import SMALLEST_EFFECT_DEFAULT
from ..stats import (
    CATEGORIES,
    HELPS,
    HURTS,
    INCONCLUSIVE,
    NEGLIGIBLE,
    NOT_COMPARABLE,
    Comparison,
    classify,
    decide,
    design_warning,
    holm,
    holm_levels,
    power,
)
from .budgets import under_trained_warnings

ABOVE, BELOW, INCLUDES = "above 0", "below 0", "includes 0"      # exploratory rows
NARROWS, UNDERFITS = "narrows the gap", "narrows the gap by underfitting"
WIDENS, GAP_NONE = "widens the gap", "no detectable change in the gap"
GAP_UNJUDGED = "not judged (the method neither helps nor hurts)"
DEFAULT_SMALLEST_EFFECT = SMALLEST_EFFECT_DEFAULT / 100   # as a fraction (1 pp -> 0.01)
UNDERFIT_DROP = 0.01                # a detected clean-train drop larger than 1 pp: underfitting
MIN_GAP = 0.01                      # below 1 pp of baseline gap, R is not defined
MIN_UNITS = 5                       # fewer independent units per comparison: warn


@dataclass
class Verdict:
    """The verdict of one comparison; every interval is at ``level``."""

    method: str
    train_size: int                  # 0: pooled over ``sizes``
    effect: str                      # a CATEGORY, or ABOVE | BELOW | INCLUDES when exploratory
    d_test: float
    d_test_ci: tuple[float, float]
    level: float                     # Holm's level (primary) or bootstrap.confidence
    p: float
    p_adjusted: float                # Holm-adjusted (primary); = p when exploratory
    gap_tag: str
    d_gap: float
    d_gap_ci: tuple[float, float]
    gap_level: float                 # = level (kept for readers of older code)
    p_gap_adjusted: float            # the gap's own p (the tag is read from the interval)
    reduction: float                 # NaN when not defined (see ``reduction_note``)
    reduction_ci: tuple[float, float]
    reduction_note: str              # "" or why R is n/a
    multiplier: float                # NaN outside the grid (see ``multiplier_text``)
    multiplier_text: str
    n_units: int
    # percentile interval of n*/n at the comparison's confidence: inf above / 0 below the grid on
    # that side, NaN when not computed
    multiplier_ci: tuple[float, float] = (float("nan"), float("nan"))
    sizes: tuple[int, ...] = ()      # a comparison pooled over these sizes (train_size 0)
    left_out: tuple[int, ...] = ()   # sizes a pooled comparison could not include
    d_train: float = float("nan")    # Δ clean train accuracy, interval at ``level``
    d_train_ci: tuple[float, float] = (float("nan"), float("nan"))
    smallest_effect: float = DEFAULT_SMALLEST_EFFECT
    mde: float = float("nan")        # minimum detectable effect at 80% power, at ``level``
    units_needed: int | None = None  # about how many units would make mde <= smallest_effect
    exploratory: bool = False
    test_accuracy: float = float("nan")
    baseline_test_accuracy: float = float("nan")

    @property
    def detected(self) -> bool:
        """Δ test accuracy's interval excludes 0 (helps, hurts, above 0, below 0)."""
        return self.effect in (HELPS, HURTS, ABOVE, BELOW)

    @property
    def gap_detected(self) -> bool:
        return self.gap_tag in (NARROWS, UNDERFITS, WIDENS)

    @property
    def multiplier_interval_text(self) -> str:
        """``[1.1x, 2.4x]``, with ``> max/n`` or ``< min/n`` at an end beyond the grid; "" when
        there is no interval."""
        lo, hi = self.multiplier_ci
        if math.isnan(lo) or math.isnan(hi) or (lo == hi and not 0 < lo < math.inf):
            return ""                # none, or every resample beyond the grid on one side
        return f"[{_times(lo)}, {_times(hi)}]"

    @property
    def half_width(self) -> float:
        return (self.d_test_ci[1] - self.d_test_ci[0]) / 2


def data_multiplier(sizes: Sequence[int], baseline_accuracy: Sequence[float], n: int,
                    accuracy: float) -> tuple[float, str]:
    """``(n*/n, text)``: what the method's test ``accuracy`` at ``n`` is worth in baseline data.

    ``sizes`` ascending with the baseline's mean test accuracy at each. Outside the range of the
    monotone baseline curve the value is NaN and the text says "> max/n" or "< min/n".
    """
    s = np.asarray(sizes, float)
    if len(s) < 2:
        return float("nan"), "n/a (one training size)"
    from sklearn.isotonic import isotonic_regression  # late: importing scikit-learn takes seconds

    fit = isotonic_regression(np.asarray(baseline_accuracy, float))  # pool adjacent violators
    if accuracy > fit[-1]:
        return float("nan"), f"> {s[-1] / n:.2g}x"
    if accuracy < fit[0]:
        return float("nan"), f"< {s[0] / n:.2g}x"
    i = int(np.argmax(fit >= accuracy))
    if i == 0:
        star = s[0]
    else:
        t = (accuracy - fit[i - 1]) / (fit[i] - fit[i - 1])
        star = float(np.exp(np.log(s[i - 1]) + t * (np.log(s[i]) - np.log(s[i - 1]))))
    return star / n, f"{star / n:.2g}x"


def _times(x: float) -> str:
    """One end of a multiplier interval (n*/n), infinite or 0 ends as bounds of the grid."""
    return f"{x:.2g}x" if 0 < x < math.inf else ("beyond the grid" if x == math.inf
                                                 else "below the grid")


def judge(comparisons: Sequence[Comparison], confidence: float,
          sizes: Sequence[int] = (), baseline_accuracy: Mapping[int, float] | None = None,
          multiplier_ci: Mapping[tuple[str, int], tuple[float, float]] | None = None, *,
          smallest_effect: float = DEFAULT_SMALLEST_EFFECT, n_classes: int | None = None,
          exploratory: bool = False) -> list[Verdict]:
    """Verdicts for one family of comparisons with the baseline.

    By default the family is confirmatory (the primary results: one per method): p-values are
    Holm-adjusted and each comparison is judged by :func:`decide` at Holm's level for it. With
    ``exploratory`` every comparison is read at ``confidence``, unadjusted, and labelled
    "above 0" / "below 0" / "includes 0". ``baseline_accuracy`` maps each training size to the
    baseline's mean test accuracy (for the data multiplier); by default taken from the
    comparisons themselves. ``multiplier_ci`` maps (method, size) to the multiplier's interval
    (:func:`.pooled.multiplier_interval`). Comparisons pooled over sizes (``train_size`` 0) get
    no multiplier. ``n_classes`` tells two models both at chance apart.
    """
    if baseline_accuracy is None:
        baseline_accuracy = {c.train_size: c.baseline_test_accuracy for c in comparisons}
    grid = sorted(n for n in (sizes or baseline_accuracy) if n in baseline_accuracy)
    base_curve = [baseline_accuracy[n] for n in grid]
    p = [c.stats["d_test_accuracy"].p for c in comparisons]
    if exploratory:
        adj, levels = np.asarray(p, float), np.full(len(p), confidence)
    else:
        adj, levels = holm(p), holm_levels(p, 1.0 - confidence)
    out = []
    for i, c in enumerate(comparisons):
        lvl = float(levels[i]) if np.isfinite(levels[i]) else confidence
        v = _verdict(c, (lvl, confidence), float(adj[i]), smallest_effect, n_classes, exploratory)
        v.multiplier, v.multiplier_text = (
            data_multiplier(grid, base_curve, c.train_size, c.test_accuracy)
            if c.train_size and c.train_size in grid else (float("nan"), "n/a"))
        v.multiplier_ci = (multiplier_ci or {}).get((c.method, c.train_size), v.multiplier_ci)
        out.append(v)
    return out


def _verdict(c: Comparison, levels: tuple[float, float], p_adjusted: float,
             smallest_effect: float, n_classes: int | None, exploratory: bool) -> Verdict:
    """One comparison read at ``levels[0]`` (the report's confidence is ``levels[1]``); no
    multiplier yet."""
    level = levels[0]
    st = c.stats
    d, g, t = st["d_test_accuracy"], st["d_gap"], st["d_train_accuracy"]
    ci = d.interval(level)
    if both_at_chance(c, level, n_classes):
        effect = NOT_COMPARABLE
    elif exploratory:
        effect = ABOVE if ci[0] > 0 else BELOW if ci[1] < 0 else INCLUDES
    else:
        effect = classify(ci, smallest_effect)
    g_ci, t_ci = g.interval(level), t.interval(level)
    judged = exploratory or effect in (HELPS, HURTS)
    tag = gap_tag(d.value, g_ci, t_ci) if judged else GAP_UNJUDGED
    red, red_ci, note = _reduction(c, tag, levels)
    alpha = 1.0 - level
    return Verdict(
        c.method, c.train_size, effect, d.value, ci, level, d.p, p_adjusted, tag, g.value, g_ci,
        level, g.p, red, red_ci, note, float("nan"), "n/a", c.n_units,
        sizes=tuple(getattr(c, "sizes", ())), left_out=tuple(getattr(c, "left_out", ())),
        d_train=t.value, d_train_ci=t_ci, smallest_effect=smallest_effect,
        mde=power.mde(d.se, d.df, alpha),
        units_needed=power.units_needed(d.se, d.df, c.n_units, smallest_effect, alpha),
        exploratory=exploratory, test_accuracy=c.test_accuracy,
        baseline_test_accuracy=c.baseline_test_accuracy)


def gap_tag(d_test: float, gap_ci: tuple[float, float], train_ci: tuple[float, float]) -> str:
    """The gap tag from Δ gap's and Δ clean train accuracy's intervals (at the row's level) and
    the point Δ test accuracy (STATISTICS.md §5): *narrows the gap by underfitting* needs a
    narrower gap, a detected clean-train drop of more than 1 pp (the whole interval below -1 pp)
    and Δ test <= 0; any other narrower gap *narrows the gap*.

    >>> gap_tag(-0.01, (-0.05, -0.02), (-0.06, -0.02)), gap_tag(-0.01, (-0.05, -0.02), (-0.02, 0.0))
    ('narrows the gap by underfitting', 'narrows the gap')
    """
    if gap_ci[1] < 0:
        underfits = train_ci[1] < -UNDERFIT_DROP and d_test <= 0
        return UNDERFITS if underfits else NARROWS
    if gap_ci[0] > 0:
        return WIDENS
    return GAP_NONE


def both_at_chance(c: Comparison, level: float, n_classes: int | None) -> bool:
    """The baseline's test accuracy interval (at ``level``) includes 1/K and the method's mean test
    accuracy is no higher than that interval's top: neither model learned anything to compare."""
    if not n_classes:
        return False
    chance = 1.0 / n_classes
    est = c.stats["baseline_test_accuracy"]
    lo, hi = est.interval(level)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = est.ci
    return lo <= chance + 1e-12 and c.test_accuracy <= max(hi, chance) + 1e-12


def _reduction(c: Comparison, gap_tag: str,
               levels: tuple[float, float]) -> tuple[float, tuple[float, float], str]:
    """R and its interval at ``levels[0]`` (an estimate without resamples has its interval only at
    the report's confidence, ``levels[1]``)."""
    nan = (float("nan"), float("nan"))
    level, confidence = levels
    base = c.stats["baseline_gap"]
    if base.value < MIN_GAP:
        return float("nan"), nan, f"n/a: baseline gap {100 * base.value:.1f} pp < 1 pp"
    base_ci = base.interval(level)
    if not math.isfinite(base_ci[0]):
        base_ci = base.ci if math.isclose(level, confidence) else nan
    if not base_ci[0] > 0:
        return float("nan"), nan, "n/a: baseline gap interval includes 0"
    if gap_tag == UNDERFITS:
        return float("nan"), nan, "n/a: the gap narrows by underfitting"
    r = c.stats["reduction"]
    ci = r.interval(level)
    if not math.isfinite(ci[0]):
        ci = r.ci if math.isclose(level, confidence) else nan
    if not math.isfinite(ci[0]):
        return r.value, nan, "n/a: no interval at this level (some resamples have no gap)"
    return r.value, ci, ""


# -- sentences ------------------------------------------------------------------------------------
def pp(x: float, signed: bool = True) -> str:
    """Percentage points, e.g. ``+1.1``."""
    return "n/a" if not math.isfinite(x) else (f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}")


def interval_text(v: float, ci: tuple[float, float]) -> str:
    return f"{pp(v)} pp [{pp(ci[0])}, {pp(ci[1])}]"


# -- sanity warnings ------------------------------------------------------------------------------
def warnings_for(rows: Sequence[Mapping[str, Any]], comparisons: Sequence[Comparison],
                 methods: Sequence[str], baseline: str, sizes: Sequence[int],
                 expected_units: int, n_classes: int | None = None,
                 tuned_on: Any = None, n_splits: int | None = None,
                 failed: Sequence[Mapping[str, Any]] = (), fresh: str = "",
                 shared_test: bool = False, history: Any = None) -> list[str]:
    """The sanity warnings of STATISTICS.md §6, most serious first (an empty list: none).

    ``failed``: cells whose training failed (method, split, seed, train_size, error), left out of
    every comparison. ``fresh``: the pilot's splits when they are disjoint from this run's
    (:func:`.report.fresh_splits`); ``tuned_on`` is then said, not warned about, unless
    ``shared_test``: every split, the pilot's too, is scored on one official test set, so only a
    choice of the design's size is not optimistic (a setting chosen on the pilot's test results
    is). ``history``: the spec's ``notes.history``, earlier tuning (``augfit plan`` moves the
    ``tuned_on`` it replaces there), stated with its own warning."""
    out = _failed_lines(failed) + _chance_lines(comparisons, n_classes) + _training_lines(rows)
    out += _few_units_lines(comparisons)
    out += _partial_lines(comparisons, methods, baseline, sizes, expected_units)
    design = design_warning(n_splits, expected_units // n_splits) if n_splits else None
    if design:
        out.append(design)
    if tuned_on:
        out.append(_tuned_on_line(tuned_on, fresh, shared_test))
    if history:
        out.append(_history_line(history, shared_test))
    out += under_trained_warnings(rows, baseline)   # not underfitting: still learning at the cap
    return out


def _failed_lines(failed: Sequence[Mapping[str, Any]]) -> list[str]:
    if not failed:
        return []
    named = [f"{f['method']} at n = {f['train_size']} (split {f['split']}, seed {f['seed']}): "
             f"{f['error']}" for f in failed]
    shown = named[:4] + ([f"and {len(named) - 4} more"] if len(named) > 4 else [])
    return [f"{len(failed)} cells failed in training and are left out of every "
            f"comparison: {'; '.join(shown)}. Comparisons that lack their pairs are "
            "listed as partial. Fix the cause and rerun the same command: failed cells "
            "are trained again."]


def _chance_lines(comparisons: Sequence[Comparison], n_classes: int | None) -> list[str]:
    """One line per size whose baseline test accuracy interval includes chance."""
    if not n_classes:
        return []
    out = []
    chance = 1.0 / n_classes
    seen = set()
    for c in comparisons:
        ci = c.stats["baseline_test_accuracy"].ci
        if c.train_size not in seen and ci[0] <= chance + 1e-12:
            seen.add(c.train_size)
            out.append(f"The baseline is at chance at n = {c.train_size}: its test accuracy "
                       f"{100 * c.baseline_test_accuracy:.1f}% [{100 * ci[0]:.1f}, "
                       f"{100 * ci[1]:.1f}] includes 1/{n_classes} = {100 * chance:.1f}%; "
                       "check the learning rate, the features and the labels.")
    return out


def _training_lines(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Cells that diverged; every method underfitting."""
    out = []
    bad = [r for r in rows if _diverged(r)]
    if bad:
        by = sorted({r["method"] for r in bad})
        out.append(f"{len(bad)} of {len(rows)} cells diverged or ended with a huge loss "
                   f"(methods: {', '.join(by)}); their numbers are not meaningful. Lower the "
                   "learning rate.")
    under = [r for r in rows if not _diverged(r)]
    if under and all(float(r["train_accuracy"]) < 0.9 for r in under) and \
            all(abs(float(r["gap_accuracy"])) < 0.02 for r in under):
        out.append("Every method underfits: clean train accuracy is below 90% everywhere and the "
                   "gap is within ±2 pp, so there is no overfitting to reduce. Check the learning "
                   "rate; use a bigger model or more epochs.")
    return out


def _few_units_lines(comparisons: Sequence[Comparison]) -> list[str]:
    few = [f"{c.method} at n = {c.train_size}: {c.n_units}" for c in comparisons
           if c.n_units < MIN_UNITS]
    if not few:
        return []
    shown = few[:8] + ([f"and {len(few) - 8} more"] if len(few) > 8 else [])
    return [f"Fewer than {MIN_UNITS} independent (split, seed) units in some comparisons "
            f"({'; '.join(shown)}); their intervals are wide and unreliable. Add seeds "
            "or splits."]


def _partial_lines(comparisons: Sequence[Comparison], methods: Sequence[str], baseline: str,
                   sizes: Sequence[int], expected_units: int) -> list[str]:
    """The comparisons with fewer pairs than the design's ``expected_units``."""
    have = {(c.method, c.train_size): c.n_units for c in comparisons}
    others = [m for m in methods if m != baseline]
    detail = []
    for n in sizes:
        counts = [(m, have.get((m, n), 0)) for m in others]
        short = [(m, k) for m, k in counts if k < expected_units]
        if not short:
            continue
        if len({k for _, k in short}) == 1 and len(short) == len(others):
            detail.append(f"n = {n}: {short[0][1]} of {expected_units} pairs for every method")
        else:
            detail += [f"{m} at n = {n}: {k} of {expected_units} pairs" for m, k in short]
    if not detail:
        return []
    shown = detail[:8] + ([f"and {len(detail) - 8} more"] if len(detail) > 8 else [])
    return ["Partial comparisons (a partial run or missing pairs): " + "; ".join(shown)
            + ". Rerun the same command to finish the grid."]


def _tuned_on_line(tuned_on: Any, fresh: str, shared_test: bool = False) -> str:
    what = ", ".join(map(str, tuned_on)) if isinstance(tuned_on, (list, tuple)) else tuned_on
    if fresh and shared_test:
        return (f"Settings were chosen on a pilot ({what}) on splits {fresh}: these results are "
                "not optimistic from a choice of the design's size (splits, seeds, sizes), but "
                "are optimistic for any setting chosen after looking at the pilot's test "
                "results, which are this run's test examples.")
    if fresh:
        return (f"Settings were chosen on a pilot ({what}) on splits {fresh}: these results are "
                "not optimistic from that choice.")
    if shared_test:
        return (f"Settings were tuned on a pilot ({what}); every split is scored on the same "
                "official test set, so results on any split are optimistic for the tuned "
                "methods where the tuning looked at test results.")
    return (f"Settings were tuned on a pilot ({what}); results on the same splits or seeds are "
            "optimistic for the tuned methods.")


def _history_line(history: Any, shared_test: bool) -> str:
    what = "; ".join(map(str, history)) if isinstance(history, (list, tuple)) else history
    where = ("this run's splits, or the official test set every split shares" if shared_test
             else "this run's splits")
    return (f"Earlier tuning (notes.history): {what}. Where it looked at {where}, results are "
            "optimistic for the methods it tuned.")


def _diverged(row: Mapping[str, Any]) -> bool:
    if row.get("diverged"):
        return True
    loss = float(row.get("test_loss", 0.0))
    return not math.isfinite(loss) or loss > DIVERGED_LOSS


__all__ = [
    "ABOVE",
    "BELOW",
    "CATEGORIES",
    "DEFAULT_SMALLEST_EFFECT",
    "GAP_NONE",
    "GAP_UNJUDGED",
    "HELPS",
    "HURTS",
    "INCLUDES",
    "INCONCLUSIVE",
    "NARROWS",
    "NEGLIGIBLE",
    "NOT_COMPARABLE",
    "UNDERFITS",
    "UNDERFIT_DROP",
    "WIDENS",
    "Verdict",
    "both_at_chance",
    "classify",
    "data_multiplier",
    "decide",
    "gap_tag",
    "interval_text",
    "judge",
    "pp",
    "warnings_for",
]
