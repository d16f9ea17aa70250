"""The decision rule (STATISTICS.md §5): the category of a primary comparison from its interval
of Δ test accuracy at the level the family tests it at. The verdicts
(:mod:`augfit.experiments.report.verdicts`) and the group-sequential looks (:mod:`.sequential`)
both apply it.
"""
from __future__ import annotations

import math

from ...errors import ConfigError
from .stats import Comparison, Estimate

HELPS, HURTS = "helps", "hurts"
NEGLIGIBLE, INCONCLUSIVE = "negligible", "inconclusive"
NOT_COMPARABLE = "not comparable (both at chance)"
CATEGORIES = (HELPS, HURTS, NEGLIGIBLE, INCONCLUSIVE, NOT_COMPARABLE)


def classify(ci: tuple[float, float], smallest_effect: float) -> str:
    """The category of an interval of Δ test accuracy (fractions, e.g. 0.01 = 1 pp):

    * ``helps`` when it lies above 0, ``hurts`` when it lies below 0;
    * ``negligible`` when it lies within ±``smallest_effect`` (two one-sided tests, Lakens 2017:
      each side is rejected at half the interval's 1 - level, so this is conservative);
    * ``inconclusive`` otherwise (and for an interval that could not be computed).

    >>> [classify(ci, 0.01) for ci in ((0.002, 0.03), (-0.004, 0.006), (-0.004, 0.02))]
    ['helps', 'negligible', 'inconclusive']
    """
    lo, hi = ci
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return INCONCLUSIVE
    if lo > 0:
        return HELPS
    if hi < 0:
        return HURTS
    if -smallest_effect < lo and hi < smallest_effect:
        return NEGLIGIBLE
    return INCONCLUSIVE


def decide(comparison: Comparison | Estimate, level: float, smallest_effect: float) -> str:
    """helps | hurts | negligible | inconclusive for one primary comparison (STATISTICS.md §5):
    :func:`classify` applied to its Δ test accuracy interval at ``level`` (the level the family
    tests it at, e.g. Holm's step or a sequential boundary). ``comparison`` is a
    :class:`.stats.Comparison` (pooled or not) or the Δ test accuracy :class:`.stats.Estimate`
    itself; ``smallest_effect`` is a fraction of accuracy (0.01 = 1 pp, ``answer.smallest_effect``
    divided by 100).

    Two models both at chance are told apart by :func:`judge`, which knows the number of classes.
    """
    if not 0 < smallest_effect <= 0.5:
        raise ConfigError(f"decide(smallest_effect=...) is a fraction of accuracy in (0, 0.5] "
                          f"(0.01 = 1 pp), got {smallest_effect!r}; divide the spec's "
                          "answer.smallest_effect (pp) by 100")
    if not 0 < level < 1:
        raise ConfigError(f"decide(level=...) must be a confidence level in (0, 1), got {level!r}")
    est = comparison.stats["d_test_accuracy"] if isinstance(comparison, Comparison) else comparison
    return classify(est.interval(level), smallest_effect)


__all__ = [
    "CATEGORIES",
    "HELPS",
    "HURTS",
    "INCONCLUSIVE",
    "NEGLIGIBLE",
    "NOT_COMPARABLE",
    "classify",
    "decide",
]
