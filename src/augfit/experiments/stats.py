"""Paired comparisons against the baseline: hierarchical bootstrap intervals, p-values and Holm.

What is estimated (STATISTICS.md §2), per method and training size, paired with the baseline on
the same (split, seed, train_size):

* ``d_test_accuracy`` (the primary endpoint) = mean over pairs of method - baseline test accuracy;
* ``d_gap`` = the change of the accuracy gap (clean train accuracy - test accuracy, final model);
* ``d_train_accuracy``, ``d_test_loss``, ``d_gap_loss`` (gap_loss = test loss - clean train loss);
* ``reduction`` R = 1 - mean(gap_method) / mean(gap_baseline), a ratio of means.

Noise covered (§3). The independent units are (split, seed) pairs, seeds nested in splits. One
bootstrap resample draws, all at once for every resample (no Python loop over resamples):

1. splits with replacement;
2. within each drawn split, as many of its seeds as it has, with replacement;
3. where every unit has per-example test results (``test_correct``, ``test_loss_per_example``),
   the test examples of each split with replacement (multinomial counts), the *same* draw for the
   method and the baseline and for every seed of that split, since they were all scored on the same
   test set. The test metrics of each unit are recomputed from those counts; train metrics are not
   resampled (the training subsample is part of what a seed draws). :func:`compare` draws this
   level once per split for all comparisons (:mod:`.example_draws`: the same law, at a fraction
   of the cost); :func:`paired_units` without ``draws`` keeps the per-comparison draw.

Every statistic is a function of the eight resampled means (test/train accuracy and loss of the
method and of the baseline), so all of them share one set of resamples.

Interval: BCa (bias-corrected and accelerated; Efron & Tibshirani 1993, ch. 14) on those
resamples, the acceleration from the jackknife over units. With fewer than ``T_BELOW`` (10) units,
the reported interval is the union of the BCa interval and a t-interval (df = units - 1, standard
error the larger of the bootstrap's and the units' own), so it is at least as wide as the wider of
the two. The p-value of a comparison is the smallest 1 - level whose interval excludes 0 (the BCa
interval inverted; the larger of it and the t-test's p below 10 units), so an interval at level L
excludes 0 exactly when p < 1 - L. :func:`holm` adjusts the p-values of a family.

A split drawn twice in one resample reuses that split's example draw (one example draw per split
and resample); the seeds are drawn afresh at each position.

The parts live beside this module: :mod:`.pairing` (the paired units), :mod:`.bootstrap` (the
resampling) and :mod:`.intervals` (BCa, the t-union, p-values, Holm). This module computes the
endpoints from them and re-exports their public names.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..rng import derive
from ..train.metrics import generalization_gap as gap
from .bootstrap import Draws, draw, jackknife_means, resampled_means, unit_counts
from .example_draws import ExampleDraws, example_draws
from .intervals import (
    T_BELOW,
    Estimate,
    bca_interval,
    bca_parts,
    bca_pvalue,
    estimate,
    estimates,
    holm,
    holm_levels,
    t_se,
    with_t,
)
from .pairing import (
    BL,
    BR,
    BRL,
    BT,
    COLUMNS,
    ML,
    MR,
    MRL,
    MT,
    TEST_COLUMNS,
    Units,
    paired_units,
)


def _d_test(m: np.ndarray) -> np.ndarray:
    return m[..., MT] - m[..., BT]


def _d_gap(m: np.ndarray) -> np.ndarray:
    return gap(m[..., MR], m[..., MT]) - gap(m[..., BR], m[..., BT])


def _reduction(m: np.ndarray) -> np.ndarray:
    gb, gm = gap(m[..., BR], m[..., BT]), gap(m[..., MR], m[..., MT])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gb > 0, 1.0 - gm / np.where(gb > 0, gb, 1.0), np.nan)


STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "d_test_accuracy": _d_test,
    "d_gap": _d_gap,
    "d_train_accuracy": lambda m: m[..., MR] - m[..., BR],
    "d_test_loss": lambda m: m[..., ML] - m[..., BL],
    "d_gap_loss": lambda m: gap(m[..., MRL], m[..., ML], "loss") - gap(m[..., BRL], m[..., BL],
                                                                       "loss"),
    "baseline_test_accuracy": lambda m: m[..., BT],
    "baseline_gap": lambda m: gap(m[..., BR], m[..., BT]),
    "reduction": _reduction,
}


# -- one comparison --------------------------------------------------------------------------------
@dataclass
class Comparison:
    """One method vs the baseline at one training size: every endpoint with interval and p."""

    method: str
    train_size: int
    n_units: int
    n_splits: int
    example_level: bool                  # were test examples resampled too
    means: dict[str, float]              # the COLUMNS' means over units
    stats: dict[str, Estimate]
    win_rate: float                      # share of units where the method's test accuracy is higher

    @property
    def test_accuracy(self) -> float:
        return self.means["method_test_accuracy"]

    # the primary endpoint as an attribute (its value; the interval is in ``stats``)
    @property
    def d_test_accuracy(self) -> float:
        return self.stats["d_test_accuracy"].value

    @property
    def baseline_test_accuracy(self) -> float:
        return self.means["base_test_accuracy"]


def compare_units(units: Units, method: str, train_size: int, rng: np.random.Generator,
                  resamples: int = 10000, confidence: float = 0.95) -> Comparison:
    """All endpoints of one comparison from its :class:`Units`."""
    if units.n_units == 0:
        raise ConfigError(f"method {method!r} has no cell paired with the baseline at "
                          f"train_size={train_size}; run the grid before comparing")
    x = units.x[None]
    if units.test is not None:
        if len(units.test) != resamples:
            raise ConfigError(f"the shared example draws have {len(units.test)} resamples; "
                              f"this comparison asks for {resamples}: draw them with the same "
                              "bootstrap.resamples")
        d = draw(units.valid, resamples, rng)
        boot = resampled_means(x, d, test=units.test[None])[0]
    else:
        d = draw(units.valid, resamples, rng, units.n_test)
        ex = units.examples[None] if units.examples is not None else None
        boot = resampled_means(x, d, ex)[0]
    jack = jackknife_means(x, units.valid)[0]
    flat = units.x[units.valid]
    means = flat.mean(axis=0)
    stats = {name: estimate(f, means, boot, jack, f(flat), confidence)
             for name, f in STATISTICS.items()}
    return Comparison(method, train_size, units.n_units, len(units.splits), units.example_level,
                      dict(zip(COLUMNS, map(float, means), strict=True)), stats,
                      float((_d_test(flat) > 0).mean()))


def compare(rows: Sequence[Mapping[str, Any]], methods: Sequence[str], baseline: str,
            train_sizes: Sequence[int], resamples: int = 10000, seed: int = 0,
            confidence: float = 0.95, draws: ExampleDraws | None = None) -> list[Comparison]:
    """Every non-baseline method vs ``baseline`` at every training size with a pair.

    The unit draws of (method i, size j) come from ``derive(seed, i, j)`` and the example draws
    of split s from ``derive(seed, 0, 0, s)`` (:mod:`.example_draws`, shared by the comparisons;
    pass ``draws`` to reuse ones already made), so a number does not depend on which other
    comparisons are computed.
    """
    if draws is None:
        draws = example_draws(rows, resamples, seed)
    out = []
    for mi, method in enumerate(methods):
        if method == baseline:
            continue
        for si, size in enumerate(train_sizes):
            units = paired_units(rows, baseline, method, size, draws)
            if units.n_units == 0:
                continue
            out.append(compare_units(units, method, size, derive(seed, mi, si + 1), resamples,
                                     confidence))
    return out


def summarize(rows: Sequence[Mapping[str, Any]], methods: Sequence[str],
              train_sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Mean and standard deviation over cells of the main metrics, per method and training size.

    ``gap_accuracy`` is clean train - test accuracy and ``gap_loss`` test - clean train loss,
    computed here from the row's metrics (whatever gap an older store recorded).
    """
    keys = ("train_accuracy", "val_accuracy", "test_accuracy", "gap_accuracy", "test_loss",
            "gap_loss", "best_epoch", "epochs_run", "wall_time")

    def value(r: Mapping[str, Any], k: str) -> float:
        if k == "gap_accuracy":
            return float(gap(float(r["train_accuracy"]), float(r["test_accuracy"])))
        if k == "gap_loss":
            return float(gap(float(r["train_loss"]), float(r["test_loss"]), "loss"))
        return float(r.get(k, np.nan))

    out = []
    for method in methods:
        for size in train_sizes:
            sel = [r for r in rows if r["method"] == method and r["train_size"] == size]
            if not sel:
                continue
            entry: dict[str, Any] = {"method": method, "train_size": size, "n": len(sel)}
            for k in keys:
                v = np.array([value(r, k) for r in sel], float)
                entry[k] = float(v.mean())
                entry[k + "_sd"] = float(v.std(ddof=1)) if len(v) > 1 else 0.0
            out.append(entry)
    return out


__all__ = [
    "BL",
    "BR",
    "BRL",
    "BT",
    "COLUMNS",
    "ML",
    "MR",
    "MRL",
    "MT",
    "TEST_COLUMNS",
    "STATISTICS",
    "T_BELOW",
    "Comparison",
    "Draws",
    "Estimate",
    "Units",
    "bca_interval",
    "bca_parts",
    "bca_pvalue",
    "compare",
    "compare_units",
    "draw",
    "estimate",
    "estimates",
    "holm",
    "holm_levels",
    "jackknife_means",
    "paired_units",
    "resampled_means",
    "summarize",
    "t_se",
    "unit_counts",
    "with_t",
]
