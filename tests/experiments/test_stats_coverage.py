"""Do the intervals cover? (STATISTICS.md §4) Simulated paired experiments with a known effect and
the noise of a real grid, run through the same resampling and interval code as the report.

The generative model, per simulated experiment (S splits x N seeds, T test examples per split):

* each split draws its own test set: example difficulty g ~ N(1.8, 1.2) on the logit scale, and
  example-level effects for the baseline and the method (sd ``SD_EX`` / sqrt 2 each, the method's
  shifted by the effect on the logit scale): shared by every seed of that split;
* a split-level residual per method (the training pool and val set; sd ``SD_SPLIT``);
* a seed-level effect per (split, seed) and method (sd ``SD_SEED``): initial weights, subsample,
  batch order, augmentation draws;
* example-level Bernoulli outcomes per (split, seed, example), the method's sharing the baseline's
  uniform draw with probability 0.7 (paired models agree on most examples).

The true effect is E[method correct - baseline correct] over all of it, computed once by Monte
Carlo on 4 million draws. With effect 0 the model is exchangeable between method and baseline, so
the true effect is exactly 0 (the false-positive check).

Measured with this file (``pytest tests/experiments/test_stats_coverage.py -s`` prints them):
coverage of nominal 95% intervals at 2 splits x 5 seeds and at 1 split x 5 seeds, and the
family-wise error of Holm-adjusted verdicts over families of 4 null comparisons.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from augfit.experiments import stats as st
from augfit.experiments.stats import holm

SD_EX, SD_SPLIT, SD_SEED, SHARE = 0.6, 0.1, 0.25, 0.7
T, B, CHUNK = 200, 1000, 250


def simulate(rng: np.random.Generator, e: int, s: int, n: int, effect: float
             ) -> tuple[np.ndarray, np.ndarray]:
    """Per-example correctness (E, S, T, N) of the baseline and of the method."""
    g = rng.normal(1.8, 1.2, (e, s, T, 1))
    hb = rng.normal(0.0, SD_EX / np.sqrt(2), (e, s, T, 1))
    hm = rng.normal(effect, SD_EX / np.sqrt(2), (e, s, T, 1))
    ab, am = rng.normal(0, SD_SPLIT, (2, e, s, 1, 1))
    sb, sm = rng.normal(0, SD_SEED, (2, e, s, 1, n))
    p, q = expit(g + hb + ab + sb), expit(g + hm + am + sm)
    u1 = rng.random((e, s, T, n))
    u2 = np.where(rng.random((e, s, T, n)) < SHARE, u1, rng.random((e, s, T, n)))
    return (u1 < p).astype(float), (u2 < q).astype(float)


def true_effect(effect: float, m: int = 4_000_000) -> float:
    r = np.random.default_rng(12345)
    g = r.normal(1.8, 1.2, m)
    hb, hm = r.normal(0, SD_EX / np.sqrt(2), (2, m))
    ab, am = r.normal(0, SD_SPLIT, (2, m))
    sb, sm = r.normal(0, SD_SEED, (2, m))
    return float((expit(g + hm + effect + am + sm) - expit(g + hb + ab + sb)).mean())


def intervals(s: int, n: int, experiments: int, effect: float, seed: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lo, hi, p) of Δ test accuracy for ``experiments`` simulated experiments, computed exactly
    as the report does (one fixed set of resampling indices, as a fixed bootstrap seed gives)."""
    rng = np.random.default_rng(seed)
    valid = np.ones((s, n), bool)
    d = st.draw(valid, B, np.random.default_rng(7), np.full(s, T))
    out = []
    for _ in range(0, experiments, CHUNK):
        bc, mc = simulate(rng, CHUNK, s, n, effect)
        x = np.zeros((CHUNK, s, n, 8))
        x[..., st.BT], x[..., st.MT] = bc.mean(axis=2), mc.mean(axis=2)
        x[..., st.BR] = x[..., st.MR] = 1.0
        ex = np.zeros((CHUNK, s, T, n, 4))
        ex[..., 0], ex[..., 1] = bc, mc
        f = st.STATISTICS["d_test_accuracy"]
        es = st.estimates(f, x[:, valid].mean(axis=1), st.resampled_means(x, d, ex),
                          st.jackknife_means(x, valid), f(x[:, valid]), 0.95)
        out += [(e.ci[0], e.ci[1], e.p) for e in es]
    lo, hi, p = np.array(out).T
    return lo, hi, p


@pytest.mark.parametrize("splits,seeds,low,high", [(2, 5, 0.93, 0.97), (1, 5, 0.90, 1.0)])
def test_nominal_95_intervals_cover_the_true_effect(splits, seeds, low, high):
    truth = true_effect(0.2)
    assert 0.01 < truth < 0.03                       # a realistic 1-3 pp effect
    lo, hi, p = intervals(splits, seeds, 2000, 0.2, seed=splits * 100 + seeds)
    cover = float(((lo <= truth) & (truth <= hi)).mean())
    print(f"\n{splits} split(s) x {seeds} seeds: coverage {cover:.3f} of 2000, true effect "
          f"{100 * truth:.2f} pp, mean width {100 * np.mean(hi - lo):.2f} pp")
    assert low <= cover <= high
    # the p-value agrees with the interval: p < 0.05 exactly when 0 is outside
    outside = (lo > 0) | (hi < 0)
    assert ((p < 0.05) == outside).mean() > 0.995


def test_holm_verdicts_keep_the_family_wise_error_under_zero_effect():
    assert true_effect(0.0) == pytest.approx(0.0, abs=2e-4)   # exchangeable: exactly 0
    families, m = 500, 4
    _, _, p = intervals(2, 5, families * m, 0.0, seed=99)
    adj = np.apply_along_axis(holm, 1, p.reshape(families, m))
    fwer = float((adj < 0.05).any(axis=1).mean())
    raw = float((p.reshape(families, m) < 0.05).any(axis=1).mean())
    print(f"\nzero effect, families of {m}: family-wise error {fwer:.3f} with Holm, "
          f"{raw:.3f} unadjusted ({families} families)")
    assert fwer <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / families)


# other designs: python tests/experiments/test_stats_coverage.py 3x5 1x10
if __name__ == "__main__":
    import sys

    truth = true_effect(0.2)
    for arg in sys.argv[1:]:
        s_, n_ = map(int, arg.split("x"))
        lo, hi, _ = intervals(s_, n_, 2000, 0.2, seed=s_ * 100 + n_)
        print(f"{s_} split(s) x {n_} seeds: coverage {((lo <= truth) & (truth <= hi)).mean():.3f} "
              f"of 2000, mean width {100 * np.mean(hi - lo):.2f} pp")
