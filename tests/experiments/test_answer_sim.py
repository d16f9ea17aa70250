"""The answer section, simulated end to end (STATISTICS.md §4): the family-wise error when every
method is identical to the baseline, and the verdict on a planted +1.5 pp effect.

The rows go through the code the report uses for its answer (:func:`.pooled.compare_all_pooled`,
:func:`.report.primary_comparisons`, :func:`.verdicts.judge`, :func:`.answer.headline`).
Generative model, per (method, split, seed, size): a size effect and a split effect shared by
every method (they cancel in the pairs), a split-level residual per method (sd ``SD_SPLIT``), and
the seed's noise per method (sd ``SD_SEED``, the audit's measured 0.9 pp, plus binomial noise of
a 1,000-example test set at 80% accuracy, 1.26 pp). No per-example results: s18stats's intervals
do not resample test examples when there are 2 or more splits.

The design is the one the issue recommends as the default: 10 splits x 2 seeds, sizes
(100, 200, 400), four methods. Sequential looks (``--until-decided``) are simulated separately
with the sequential code.
"""
from __future__ import annotations

import numpy as np
import pytest

from augfit.experiments.report.answer import headline
from augfit.experiments.report.verdicts import HELPS, HURTS, NOT_COMPARABLE, judge
from augfit.experiments.stats import CellResult
from augfit.experiments.stats.pooled import compare_all_pooled

SD_SPLIT, SD_SEED = 0.003, float(np.hypot(0.009, np.sqrt(0.8 * 0.2 / 1000)))
SPLITS, SEEDS, SIZES = 10, 2, (100, 200, 400)
METHODS = ["baseline", "m1", "m2", "m3", "m4"]
B = 1000                                  # resamples per comparison (the report's default: 10000)


def simulate(rng: np.random.Generator, effects: dict[str, float]) -> list[CellResult]:
    """The rows of one experiment: ``effects`` maps each method to its true Δ test accuracy."""
    size_mean = {100: 0.78, 200: 0.82, 400: 0.85}
    split = rng.normal(0, 0.01, SPLITS)
    rows = []
    for m in METHODS:
        resid = rng.normal(0, SD_SPLIT, SPLITS)
        noise = rng.normal(0, SD_SEED, (SPLITS, SEEDS, len(SIZES)))
        for sp in range(SPLITS):
            for sd in range(SEEDS):
                for k, n in enumerate(SIZES):
                    acc = size_mean[n] + split[sp] + effects.get(m, 0.0) + resid[sp] + \
                        noise[sp, sd, k]
                    rows.append({"method": m, "split": sp, "seed": sd, "train_size": n,
                                 "test_accuracy": acc, "train_accuracy": 1.0,
                                 "test_loss": 0.5, "train_loss": 0.01})
    return [CellResult(**r) for r in rows]


def answer(rows: list[dict], seed: int) -> list:
    """The primary verdicts, as Report.build computes them (one per method, Holm over them)."""
    pooled, _ = compare_all_pooled(rows, METHODS, "baseline", list(SIZES), resamples=B,
                                   seed=seed)
    return judge(pooled, 0.95, baseline_accuracy={}, smallest_effect=0.01, n_classes=10)


def test_null_family_wise_error_over_the_answer():
    """Every method identical to the baseline: the answer claims something false whenever a
    primary result helps or hurts (gap tags are only judged after one does, and "negligible" is
    true here). Family-wise error over 300 experiments: at most 5% (the point estimate itself,
    not 5% plus a simulation margin; the draws are seeded, so the count is exact)."""
    rng = np.random.default_rng(2026)
    runs, false = 300, 0
    for i in range(runs):
        vs = answer(simulate(rng, {}), i)
        assert len(vs) == 4 and all(v.effect != NOT_COMPARABLE for v in vs)
        false += any(v.effect in (HELPS, HURTS) or v.gap_detected for v in vs)
    fwer = false / runs
    print(f"\nnull family-wise error over the answer: {false}/{runs} = {fwer:.3f}")
    assert fwer <= 0.05


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(7)
    return [answer(simulate(rng, {"m1": 0.015}), i) for i in range(40)]


def test_a_planted_one_and_a_half_points_is_judged_helps(planted):
    """+1.5 pp on m1 at the default design is judged "helps" in (nearly) every experiment, and
    the headline says so."""
    helps = [next(v for v in vs if v.method == "m1").effect == HELPS for vs in planted]
    print(f"\n+1.5 pp judged helps in {sum(helps)}/{len(helps)} experiments")
    assert sum(helps) >= 0.9 * len(helps)
    first = planted[0]
    assert headline(first, METHODS, "baseline").startswith("m1 helps (+1.")
