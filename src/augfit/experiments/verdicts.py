"""Verdicts, worded for a practitioner (STATISTICS.md §2, §5, §6), from :mod:`.stats` comparisons.

Per method and training size:

* **helps / hurts / no detectable effect** on the primary endpoint, Δ test accuracy. The family is
  every (method, size) compared with the baseline; its p-values are Holm-adjusted and a verdict is
  "helps" or "hurts" when the adjusted p is below alpha = 1 - confidence. The interval shown with
  a verdict is at the level Holm judged that comparison at (:func:`.stats.holm_levels`), so it
  excludes 0 exactly when the verdict is helps or hurts. "No detectable effect" states the
  interval's half-width: effects larger than about that would have been detected.
* **a gap tag** from Δ gap (accuracy gap, clean train - test), whose family is Holm-adjusted the
  same way: *narrows the gap* (Δ gap < 0 and clean train accuracy not lower, or the method helps);
  *narrows the gap by underfitting* (Δ gap < 0 while clean train accuracy falls and test accuracy
  does not detectably improve: never called a reduction of overfitting); *widens the gap*; or *no
  detectable change in the gap*.
* **overfitting reduction** R = 1 - mean gap_method / mean gap_baseline, "n/a" with the reason when
  the baseline's mean gap is below 1 pp or its interval includes 0, or when the gap narrows by
  underfitting.
* **effective data multiplier** n*/n: n* is where the baseline's test accuracy, made monotone
  (isotonic) and interpolated on log n over the grid's sizes, equals the method's at n; "> max/n"
  or "< min/n" outside the grid. Its interval (``multiplier_ci``) comes from the joint resamples
  of :mod:`.pooled`: the whole fit is redone in each resample.

The comparisons pooled over sizes (:mod:`.pooled`) are judged the same way by :func:`judge`, as a
family of their own (one per method), and worded by :func:`pooled_sentence`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .budgets import under_trained_warnings
from .stats import Comparison, design_warning, holm, holm_levels

HELPS, HURTS, NONE = "helps", "hurts", "no detectable effect"
NARROWS, UNDERFITS = "narrows the gap", "narrows the gap by underfitting"
WIDENS, GAP_NONE = "widens the gap", "no detectable change in the gap"
MIN_GAP = 0.01                      # below 1 pp of baseline gap, R is not defined
MIN_UNITS = 5                       # fewer independent units per comparison: warn


@dataclass
class Verdict:
    """The verdict of one (method, size) comparison; intervals are at ``level``."""

    method: str
    train_size: int
    effect: str                      # helps | hurts | no detectable effect
    d_test: float
    d_test_ci: tuple[float, float]   # at ``level`` (Holm's step for this comparison)
    level: float
    p: float
    p_adjusted: float
    gap_tag: str
    d_gap: float
    d_gap_ci: tuple[float, float]    # at ``gap_level``
    gap_level: float
    p_gap_adjusted: float
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


def isotonic(y: Sequence[float]) -> np.ndarray:
    """The non-decreasing least-squares fit to ``y`` (pool adjacent violators, equal weights)."""
    blocks: list[list[float]] = []             # [mean, weight]
    for v in map(float, y):
        blocks.append([v, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, w2), (m1, w1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    return np.concatenate([np.full(int(w), m) for m, w in blocks])


def data_multiplier(sizes: Sequence[int], baseline_accuracy: Sequence[float], n: int,
                    accuracy: float) -> tuple[float, str]:
    """``(n*/n, text)``: what the method's test ``accuracy`` at ``n`` is worth in baseline data.

    ``sizes`` ascending with the baseline's mean test accuracy at each. Outside the range of the
    monotone baseline curve the value is NaN and the text says "> max/n" or "< min/n".
    """
    s = np.asarray(sizes, float)
    if len(s) < 2:
        return float("nan"), "n/a (one training size)"
    fit = isotonic(baseline_accuracy)
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
          multiplier_ci: Mapping[tuple[str, int], tuple[float, float]] | None = None
          ) -> list[Verdict]:
    """Verdicts for a report's family of comparisons (every (method, size) vs the baseline).

    ``baseline_accuracy`` maps each training size to the baseline's mean test accuracy (for the
    data multiplier); by default taken from the comparisons themselves. ``multiplier_ci`` maps
    (method, size) to the multiplier's interval (:func:`.pooled.multiplier_interval`).
    Comparisons pooled over sizes (``train_size`` 0) get no multiplier.
    """
    nan = (float("nan"), float("nan"))
    alpha = 1.0 - confidence
    if baseline_accuracy is None:
        baseline_accuracy = {c.train_size: c.baseline_test_accuracy for c in comparisons}
    grid = sorted(n for n in (sizes or baseline_accuracy) if n in baseline_accuracy)
    base_curve = [baseline_accuracy[n] for n in grid]
    p = [c.stats["d_test_accuracy"].p for c in comparisons]
    pg = [c.stats["d_gap"].p for c in comparisons]
    adj, levels = holm(p), holm_levels(p, alpha)
    adj_g, levels_g = holm(pg), holm_levels(pg, alpha)
    out = []
    for i, c in enumerate(comparisons):
        st = c.stats
        d, g = st["d_test_accuracy"], st["d_gap"]
        lvl = float(levels[i]) if np.isfinite(levels[i]) else confidence
        lvl_g = float(levels_g[i]) if np.isfinite(levels_g[i]) else confidence
        effect = NONE
        if np.isfinite(adj[i]) and adj[i] < alpha:
            effect = HELPS if d.value > 0 else HURTS
        gap_tag = GAP_NONE
        if np.isfinite(adj_g[i]) and adj_g[i] < alpha:
            if g.value > 0:
                gap_tag = WIDENS
            else:
                train_falls = st["d_train_accuracy"].value < 0
                gap_tag = UNDERFITS if train_falls and effect != HELPS else NARROWS
        red, red_ci, note = _reduction(c, gap_tag)
        mult, mult_text = (data_multiplier(grid, base_curve, c.train_size, c.test_accuracy)
                           if c.train_size and c.train_size in grid else (float("nan"), "n/a"))
        out.append(Verdict(c.method, c.train_size, effect, d.value, d.interval(lvl), lvl, d.p,
                           float(adj[i]), gap_tag, g.value, g.interval(lvl_g), lvl_g,
                           float(adj_g[i]), red, red_ci, note, mult, mult_text, c.n_units,
                           (multiplier_ci or {}).get((c.method, c.train_size), nan),
                           tuple(getattr(c, "sizes", ())), tuple(getattr(c, "left_out", ()))))
    return out


def _reduction(c: Comparison, gap_tag: str) -> tuple[float, tuple[float, float], str]:
    nan = (float("nan"), float("nan"))
    base = c.stats["baseline_gap"]
    if base.value < MIN_GAP:
        return float("nan"), nan, f"n/a: baseline gap {100 * base.value:.1f} pp < 1 pp"
    if base.ci[0] <= 0:
        return float("nan"), nan, "n/a: baseline gap interval includes 0"
    if gap_tag == UNDERFITS:
        return float("nan"), nan, "n/a: the gap narrows by underfitting"
    r = c.stats["reduction"]
    return r.value, r.ci, ""


# -- sentences ------------------------------------------------------------------------------------
def pp(x: float, signed: bool = True) -> str:
    """Percentage points, e.g. ``+1.1``."""
    return "n/a" if not math.isfinite(x) else (f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}")


def interval_text(v: float, ci: tuple[float, float]) -> str:
    return f"{pp(v)} pp [{pp(ci[0])}, {pp(ci[1])}]"


def _sizes(ns: Sequence[int]) -> str:
    return "n = " + ", ".join(str(n) for n in ns)


def sentence(method: str, verdicts: Sequence[Verdict]) -> str:
    """One sentence summarizing a method over the training sizes, e.g. ``crop_scale helps at
    n = 50 (+1.1 pp [+0.4, +1.8], worth 1.5x the data) and has no detectable effect at n = 400
    (±0.6 pp); gap: narrows at n = 50.``"""
    vs = sorted((v for v in verdicts if v.method == method), key=lambda v: v.train_size)
    if not vs:
        return f"{method}: no comparison with the baseline yet."
    parts = []
    for effect in (HELPS, HURTS, NONE):
        group = [v for v in vs if v.effect == effect]
        if not group:
            continue
        if effect == NONE:
            widths = sorted({v.half_width for v in group})
            detail = (f"±{pp(widths[0], False)} pp" if len(widths) == 1 else
                      f"±{pp(widths[0], False)} to ±{pp(widths[-1], False)} pp")
            parts.append(f"has no detectable effect at {_sizes([v.train_size for v in group])} "
                         f"({detail})")
        else:
            detail = "; ".join(
                f"n = {v.train_size}: {interval_text(v.d_test, v.d_test_ci)}"
                + (f", worth {v.multiplier_text} the data"
                   + (" (beyond the grid's sizes)" if v.multiplier_text[0] in "<>" else "")
                   + (f" {v.multiplier_interval_text}" if v.multiplier_interval_text else "")
                   if effect == HELPS and v.multiplier_text != "n/a" else "")
                for v in group)
            parts.append(f"{effect} at {_sizes([v.train_size for v in group])} ({detail})")
    text = f"{method} " + " and ".join(parts)
    tags = []
    for tag in (NARROWS, UNDERFITS, WIDENS):
        sizes = [v.train_size for v in vs if v.gap_tag == tag]
        if sizes:
            tags.append(f"{tag} at {_sizes(sizes)}")
    return text + ("; " + "; ".join(tags) if tags else "; no detectable change in the gap") + "."


def pooled_sentence(v: Verdict) -> str:
    """The extra line of a method pooled over sizes, e.g. ``crop_scale over all sizes (n = 100,
    400; size-stratified): helps, +1.1 pp [+0.4, +1.8]; narrows the gap.``"""
    where = _sizes(v.sizes) + "; size-stratified"
    if v.left_out:
        where += f"; {_sizes(v.left_out)} left out: not every split has a pair there"
    if v.effect == NONE:
        what = f"no detectable effect (±{pp(v.half_width, False)} pp)"
    else:
        what = f"{v.effect}, {interval_text(v.d_test, v.d_test_ci)}"
    tag = v.gap_tag if v.gap_tag != GAP_NONE else "no detectable change in the gap"
    return f"{v.method} over all sizes ({where}): {what}; {tag}."


def holm_line(n_comparisons: int, confidence: float, n_pooled: int = 0) -> str:
    """The one line saying which family was corrected and how."""
    pooled = (f" The {n_pooled} comparisons pooled over sizes (one per method) are a family of "
              "their own, Holm-adjusted the same way." if n_pooled else "")
    return (f"Multiplicity: the family is all {n_comparisons} (method, size) comparisons with the "
            f"baseline; p-values are Holm-adjusted (Holm 1979) at alpha = {1 - confidence:.3g}, "
            "separately for Δ test accuracy (the verdicts) and for Δ gap (the gap tags); the "
            "interval beside a verdict is at the level Holm tested it at." + pooled +
            f" Tables show per-comparison {100 * confidence:.3g}% intervals.")


# -- sanity warnings ------------------------------------------------------------------------------
def warnings_for(rows: Sequence[Mapping[str, Any]], comparisons: Sequence[Comparison],
                 methods: Sequence[str], baseline: str, sizes: Sequence[int],
                 expected_units: int, n_classes: int | None = None,
                 tuned_on: Any = None, n_splits: int | None = None,
                 failed: Sequence[Mapping[str, Any]] = ()) -> list[str]:
    """The sanity warnings of STATISTICS.md §6, most serious first (an empty list: none).

    ``failed``: cells whose training failed (method, split, seed, train_size, error), left out of
    every comparison."""
    out: list[str] = []
    if failed:
        named = [f"{f['method']} at n = {f['train_size']} (split {f['split']}, seed {f['seed']}): "
                 f"{f['error']}" for f in failed]
        shown = named[:4] + ([f"and {len(named) - 4} more"] if len(named) > 4 else [])
        out.append(f"{len(failed)} cells failed in training and are left out of every "
                   f"comparison: {'; '.join(shown)}. Comparisons that lack their pairs are "
                   "listed as partial. Fix the cause and rerun the same command: failed cells "
                   "are trained again.")
    if n_classes:
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
    few = [f"{c.method} at n = {c.train_size}: {c.n_units}" for c in comparisons
           if c.n_units < MIN_UNITS]
    if few:
        shown = few[:8] + ([f"and {len(few) - 8} more"] if len(few) > 8 else [])
        out.append(f"Fewer than {MIN_UNITS} independent (split, seed) units in some comparisons "
                   f"({'; '.join(shown)}); their intervals are wide and unreliable. Add seeds "
                   "or splits.")
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
    if detail:
        shown = detail[:8] + ([f"and {len(detail) - 8} more"] if len(detail) > 8 else [])
        out.append("Partial comparisons (a partial run or missing pairs): " + "; ".join(shown)
                   + ". Rerun the same command to finish the grid.")
    design = design_warning(n_splits, expected_units // n_splits) if n_splits else None
    if design:
        out.append(design)
    if tuned_on:
        what = ", ".join(map(str, tuned_on)) if isinstance(tuned_on, (list, tuple)) else tuned_on
        out.append(f"Settings were tuned on a pilot ({what}); results on the same splits or seeds "
                   "are optimistic for the tuned methods.")
    out += under_trained_warnings(rows, baseline)   # not underfitting: still learning at the cap
    return out


def _diverged(row: Mapping[str, Any]) -> bool:
    if row.get("diverged"):
        return True
    loss = float(row.get("test_loss", 0.0))
    return not math.isfinite(loss) or loss > 1e6


__all__ = [
    "GAP_NONE",
    "HELPS",
    "HURTS",
    "NARROWS",
    "NONE",
    "UNDERFITS",
    "WIDENS",
    "Verdict",
    "data_multiplier",
    "holm_line",
    "isotonic",
    "judge",
    "pooled_sentence",
    "sentence",
    "warnings_for",
]
