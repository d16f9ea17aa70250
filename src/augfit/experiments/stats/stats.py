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
3. the test examples, **only where one fixed test set is shared by every unit**: the rows come
   from a single split, or the spec's test set is the dataset's official one
   (``shared_test=True``). There the test sample is the only source of test noise, so the test
   examples are drawn with replacement (multinomial counts, :mod:`.example_draws`), the *same*
   draw for the method and the baseline and for every seed and split, since all were scored on
   the same examples; the test metrics of each unit are recomputed from those counts (train
   metrics are not resampled: the training subsample is part of what a seed draws). With 2 or
   more splits, each with a test set of its own, test-sample noise is already part of the
   between-split variation, and resampling the examples again would count it twice (STATISTICS.md
   §3): no example level.

Every statistic is a function of the eight resampled means (test/train accuracy and loss of the
method and of the baseline), so all of them share one set of resamples.

Interval, chosen by simulation (``tests/experiments/test_stats_coverage.py``, the table and the
candidates in docs/statistics.md): the BCa interval (bias-corrected and accelerated; Efron &
Tibshirani 1993, ch. 14) of those resamples, the acceleration from the jackknife over units,
united with the t-interval on the units (value +- t(units - 1) x sd / sqrt(units)). The
two-level bootstrap carries the split level but is a normal-theory interval without a
small-sample correction; the t-interval supplies that correction but treats the units as
independent; their union covers 93-97% with at most 1.2x the oracle width at 5 or more splits.
With 3 splits no candidate meets both bounds (the report warns, :data:`FEW_SPLITS`). The p-value
of a comparison is the larger of the BCa interval's inverted p and the t-test's, so an interval
at level L excludes 0 exactly when p < 1 - L. :func:`holm` adjusts the p-values of a family.
:attr:`Estimate.se` and :attr:`Estimate.df` give the standard error the interval implies and its
degrees of freedom (for a minimum detectable effect).

The example draw of a resample moves the mean over all units of each test column (by the change
it makes to that mean), independently of the unit draw (:func:`.bootstrap.resampled_means`
says why: applied to each drawn unit, it counted the seed-by-example noise twice).

The parts live beside this module: :mod:`.pairing` (the paired units), :mod:`.bootstrap` (the
resampling) and :mod:`.intervals` (BCa, the t-union, p-values, Holm). This module computes the
endpoints from them and re-exports their public names.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypedDict, cast

import numpy as np

from ...errors import ConfigError
from ...rng import derive
from ...train.metrics import generalization_gap as gap
from .bootstrap import Draws, draw, jackknife_means, resampled_means, unit_counts
from .example_draws import ExampleDraws, example_draws
from .intervals import (
    Estimate,
    bca_interval,
    bca_parts,
    bca_pvalue,
    estimate,
    estimates,
    holm,
    holm_levels,
    t_half,
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
from .results import CellResult


def _d_test(m: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, m[..., MT] - m[..., BT])


def _d_gap(m: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, gap(m[..., MR], m[..., MT]) - gap(m[..., BR], m[..., BT]))


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
    example_level: bool                  # were test examples resampled too (one shared test set)
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


FEW_SPLITS = 5        # below this many splits no interval meets the coverage and width bounds


# (coverage, width / oracle) of the nominal-95% interval in the simulation of
# tests/experiments/test_stats_coverage.py for the designs it warns about (docs/statistics.md)
SIMULATED = {(3, 2): (0.945, 1.21), (3, 4): (0.919, 1.05), (1, 10): (0.960, 1.05)}
ADVICE = "Use 10 splits x 2 seeds (the cost of 5 x 4) or more (docs/statistics.md)."


def design_warning(splits: int, seeds: int) -> str | None:
    """The report's warning for a design whose intervals the coverage simulation does not
    validate (fewer than :data:`FEW_SPLITS` splits), or None."""
    if splits >= FEW_SPLITS:
        return None
    sim = SIMULATED.get((splits, seeds))
    if splits == 1:
        where = (f"; in simulation 1 split x 10 seeds covered {100 * SIMULATED[(1, 10)][0]:.0f}% "
                 "for a nominal 95% with a small pool component, a larger one is not covered")
        return ("One split: the intervals cover the seeds and the test images, not the choice "
                f"of the training pool and val set{where}. {ADVICE}")
    head = f"The design {splits} splits x {seeds} seeds"
    if sim is not None and sim[0] < 0.93:
        got = f"covers only {100 * sim[0]:.1f}% for a nominal 95% in simulation"
    elif sim is not None:
        got = (f"covers {100 * sim[0]:.1f}% for a nominal 95% in simulation, but only with "
               f"intervals {sim[1]:.2f}x the width a correct 95% interval needs")
    else:
        got = ("is not validated by the coverage simulation (with 3 splits no interval method "
               "met 93-97% coverage at 1.2x the oracle width for every split component)")
    return (f"{head} {got}: with fewer than {FEW_SPLITS} splits the split level has too few "
            f"degrees of freedom for an interval both honest and narrow. {ADVICE}")


def compare_units(units: Units, method: str, train_size: int, rng: np.random.Generator,
                  resamples: int = 10000, confidence: float = 0.95) -> Comparison:
    """All endpoints of one comparison from its :class:`Units`."""
    if units.n_units == 0:
        raise ConfigError(f"method {method!r} has no cell paired with the baseline at "
                          f"train_size={train_size}; run the grid before comparing")
    x = units.x[None]
    d = draw(units.valid, resamples, rng)
    if units.test is not None:
        if len(units.test) != resamples:
            raise ConfigError(f"the shared example draws have {len(units.test)} resamples; "
                              f"this comparison asks for {resamples}: draw them with the same "
                              "bootstrap.resamples")
        boot = resampled_means(x, d, units.test[None], units.valid)[0]
    else:
        boot = resampled_means(x, d)[0]
    jack = jackknife_means(x, units.valid)[0]
    flat = units.x[units.valid]
    means = flat.mean(axis=0)
    stats = {name: estimate(f, means, boot, jack, f(flat), confidence)
             for name, f in STATISTICS.items()}
    return Comparison(method, train_size, units.n_units, len(units.splits), units.example_level,
                      dict(zip(COLUMNS, map(float, means), strict=True)), stats,
                      float((_d_test(flat) > 0).mean()))


def example_level(rows: Sequence[CellResult], shared_test: bool = False) -> bool:
    """Does the example level apply: one test set shared by every unit (the rows come from one
    split, or ``shared_test``: every split was scored on the dataset's official test set)?"""
    return shared_test or len({r.split for r in rows}) <= 1


def study_draws(rows: Sequence[CellResult], resamples: int, seed: int,
                shared_test: bool = False) -> ExampleDraws | None:
    """The example draws a study's comparisons share, or None where the example level does not
    apply (:func:`example_level`)."""
    if not example_level(rows, shared_test):
        return None
    return example_draws(rows, resamples, seed, shared=shared_test)


def compare(rows: Sequence[CellResult], methods: Sequence[str], baseline: str,
            train_sizes: Sequence[int], resamples: int = 10000, seed: int = 0,
            confidence: float = 0.95, draws: ExampleDraws | None = None,
            shared_test: bool = False) -> list[Comparison]:
    """Every non-baseline method vs ``baseline`` at every training size with a pair.

    The unit draws of (method i, size j) come from ``derive(seed, i, j)`` and the example draws
    of split s from ``derive(seed, 0, 0, s)`` (:mod:`.example_draws`, shared by the comparisons;
    pass ``draws`` to reuse ones already made), so a number does not depend on which other
    comparisons are computed. The example level applies only with one split or ``shared_test``
    (the spec's ``test: official``); otherwise ``draws`` is ignored.
    """
    if not example_level(rows, shared_test):
        draws = None
    elif draws is None:
        draws = study_draws(rows, resamples, seed, shared_test)
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


class SummaryRow(TypedDict):
    """One method and training size of :func:`summarize`: the number of cells ``n``, and the mean
    and standard deviation (``_sd``) of each metric over them."""

    method: str
    train_size: int
    n: int
    train_accuracy: float
    train_accuracy_sd: float
    val_accuracy: float
    val_accuracy_sd: float
    test_accuracy: float
    test_accuracy_sd: float
    gap_accuracy: float
    gap_accuracy_sd: float
    test_loss: float
    test_loss_sd: float
    gap_loss: float
    gap_loss_sd: float
    best_epoch: float
    best_epoch_sd: float
    epochs_run: float
    epochs_run_sd: float
    wall_time: float
    wall_time_sd: float


def summarize(rows: Sequence[CellResult], methods: Sequence[str],
              train_sizes: Sequence[int]) -> list[SummaryRow]:
    """Mean and standard deviation over cells of the main metrics, per method and training size.

    ``gap_accuracy`` is clean train - test accuracy and ``gap_loss`` test - clean train loss,
    computed here from the row's metrics (whatever gap an older store recorded).
    """
    out = []
    for method in methods:
        for size in train_sizes:
            sel = [r for r in rows if r.method == method and r.train_size == size]
            if sel:
                out.append(_summary_row(method, size, sel))
    return out


def _summary_row(method: str, size: int, sel: Sequence[CellResult]) -> SummaryRow:
    """:func:`summarize`'s entry for the cells ``sel`` of one method and size."""
    def mean_sd(values: Sequence[float]) -> tuple[float, float]:
        v = np.array(values, float)
        return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0

    train, train_sd = mean_sd([r.train_accuracy for r in sel])
    val, val_sd = mean_sd([r.val_accuracy for r in sel])
    test, test_sd = mean_sd([r.test_accuracy for r in sel])
    gap_acc, gap_acc_sd = mean_sd([float(gap(r.train_accuracy, r.test_accuracy)) for r in sel])
    loss, loss_sd = mean_sd([r.test_loss for r in sel])
    gap_loss, gap_loss_sd = mean_sd([float(gap(r.train_loss, r.test_loss, "loss")) for r in sel])
    best, best_sd = mean_sd([r.best_epoch for r in sel])
    run, run_sd = mean_sd([r.epochs_run for r in sel])
    wall, wall_sd = mean_sd([r.wall_time for r in sel])
    return {"method": method, "train_size": size, "n": len(sel),
            "train_accuracy": train, "train_accuracy_sd": train_sd,
            "val_accuracy": val, "val_accuracy_sd": val_sd,
            "test_accuracy": test, "test_accuracy_sd": test_sd,
            "gap_accuracy": gap_acc, "gap_accuracy_sd": gap_acc_sd,
            "test_loss": loss, "test_loss_sd": loss_sd,
            "gap_loss": gap_loss, "gap_loss_sd": gap_loss_sd,
            "best_epoch": best, "best_epoch_sd": best_sd,
            "epochs_run": run, "epochs_run_sd": run_sd,
            "wall_time": wall, "wall_time_sd": wall_sd}


__all__ = [
    "BL",
    "BR",
    "BRL",
    "BT",
    "COLUMNS",
    "FEW_SPLITS",
    "ML",
    "MR",
    "MRL",
    "MT",
    "SIMULATED",
    "STATISTICS",
    "TEST_COLUMNS",
    "Comparison",
    "Draws",
    "Estimate",
    "SummaryRow",
    "Units",
    "bca_interval",
    "bca_parts",
    "bca_pvalue",
    "compare",
    "compare_units",
    "design_warning",
    "draw",
    "estimate",
    "estimates",
    "example_level",
    "holm",
    "holm_levels",
    "jackknife_means",
    "paired_units",
    "resampled_means",
    "study_draws",
    "summarize",
    "t_half",
    "t_se",
    "unit_counts",
    "with_t",
]
