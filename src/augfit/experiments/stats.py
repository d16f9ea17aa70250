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
   resampled (the training subsample is part of what a seed draws).

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
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as sps

from ..errors import ConfigError
from ..rng import derive
from ..train.metrics import generalization_gap as gap

# the eight per-unit columns every statistic is computed from
COLUMNS = ("base_test_accuracy", "method_test_accuracy", "base_train_accuracy",
           "method_train_accuracy", "base_test_loss", "method_test_loss", "base_train_loss",
           "method_train_loss")
BT, MT, BR, MR, BL, ML, BRL, MRL = range(8)
TEST_COLUMNS = (BT, MT, BL, ML)          # recomputed from per-example results when available
T_BELOW = 10                             # below this many units, widen with a t-interval


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


# -- the paired data -------------------------------------------------------------------------------
@dataclass
class Units:
    """The paired units of one comparison, padded to a (split, seed) grid.

    ``x`` (S, N, 8) holds the :data:`COLUMNS` of each unit, ``valid`` (S, N) marks real units (the
    units of a split come first), ``examples`` (S, T, N, 4) the per-example test results
    (columns base correct, method correct, base loss, method loss; zero-padded) or None, and
    ``n_test`` (S,) the test-set size of each split.
    """

    x: np.ndarray
    valid: np.ndarray
    splits: list[int]
    examples: np.ndarray | None = None
    n_test: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return int(self.valid.sum())


def _split(row: Mapping[str, Any]) -> int:
    return int(row.get("split", 0))          # rows from before the split axis: one split, 0


def _train(row: Mapping[str, Any], metric: str) -> float:
    return float(row[f"train_{metric}"])


def paired_units(rows: Sequence[Mapping[str, Any]], baseline: str, method: str,
                 train_size: int) -> Units:
    """The (split, seed) pairs present for both ``method`` and ``baseline`` at ``train_size``.

    Rows may carry ``test_correct`` and ``test_loss_per_example`` arrays (aligned between the method
    and the baseline of a pair); they are used only when every row of the comparison has them and
    the arrays of a split have one length.
    """
    def table(name: str) -> dict[tuple[int, int], Mapping[str, Any]]:
        return {(_split(r), int(r["seed"])): r for r in rows
                if r["method"] == name and r["train_size"] == train_size}

    b, m = table(baseline), table(method)
    keys = sorted(set(b) & set(m))
    splits = sorted({k[0] for k in keys})
    per = {s: [k for k in keys if k[0] == s] for s in splits}
    n_max = max((len(v) for v in per.values()), default=0)
    x = np.zeros((len(splits), n_max, len(COLUMNS)))
    valid = np.zeros((len(splits), n_max), bool)
    for i, s in enumerate(splits):
        for j, k in enumerate(per[s]):
            rb, rm = b[k], m[k]
            x[i, j] = (rb["test_accuracy"], rm["test_accuracy"], _train(rb, "accuracy"),
                       _train(rm, "accuracy"), rb["test_loss"], rm["test_loss"],
                       _train(rb, "loss"), _train(rm, "loss"))
            valid[i, j] = True
    units = Units(x, valid, splits)
    have = [b[k].get("test_correct") is not None and m[k].get("test_correct") is not None
            and b[k].get("test_loss_per_example") is not None
            and m[k].get("test_loss_per_example") is not None for k in keys]
    if keys and all(have):
        lengths = {s: {len(b[k]["test_correct"]) for k in per[s]} |
                   {len(m[k]["test_correct"]) for k in per[s]} for s in splits}
        if all(len(v) == 1 for v in lengths.values()):
            n_test = np.array([next(iter(lengths[s])) for s in splits])
            ex = np.zeros((len(splits), int(n_test.max()), n_max, 4))
            for i, s in enumerate(splits):
                for j, k in enumerate(per[s]):
                    t = n_test[i]
                    ex[i, :t, j, 0] = np.asarray(b[k]["test_correct"], float)
                    ex[i, :t, j, 1] = np.asarray(m[k]["test_correct"], float)
                    ex[i, :t, j, 2] = np.asarray(b[k]["test_loss_per_example"], float)
                    ex[i, :t, j, 3] = np.asarray(m[k]["test_loss_per_example"], float)
            units.examples, units.n_test = ex, n_test
    return units


# -- the bootstrap ---------------------------------------------------------------------------------
@dataclass
class Draws:
    """One set of hierarchical resampling indices, reusable for any data of the same layout."""

    split: np.ndarray                    # (B, S) drawn split per position
    seed: np.ndarray                     # (B, S, N) drawn unit within that split
    keep: np.ndarray                     # (B, S, N) positions that count (split's unit count)
    weights: np.ndarray | None = None    # (B, S, T) example counts / n_test of each split


def draw(valid: np.ndarray, resamples: int, rng: np.random.Generator,
         n_test: np.ndarray | None = None) -> Draws:
    """Indices of ``resamples`` hierarchical resamples of a (S, N) unit layout (see module doc)."""
    s, n = valid.shape
    counts = valid.sum(axis=1)
    split = rng.integers(0, s, size=(resamples, s))
    c = counts[split]                                                       # (B, S)
    seed = np.minimum((rng.random((resamples, s, n)) * c[..., None]).astype(np.intp),
                      np.maximum(c[..., None] - 1, 0))
    keep = np.arange(n) < c[..., None]
    weights = None
    if n_test is not None:
        t = int(n_test.max())
        # multinomial counts of each split's own n_test examples, one draw per (resample, split)
        pick = (rng.random((resamples, s, t)) * n_test[None, :, None]).astype(np.intp)
        real = np.arange(t) < n_test[:, None]                               # (S, T)
        flat = (np.arange(resamples * s).reshape(resamples, s, 1) * t + pick)[:, real]
        weights = np.bincount(flat.ravel(), minlength=resamples * s * t).reshape(resamples, s, t)
        weights = weights / n_test[None, :, None]
    return Draws(split, seed, keep, weights)


def unit_counts(d: Draws) -> np.ndarray:
    """How many times each unit is drawn in each resample: (B, S, N)."""
    b, s, n = d.seed.shape
    flat = (np.arange(b)[:, None, None] * s + d.split[..., None]) * n + d.seed
    return np.bincount(flat[d.keep], minlength=b * s * n).reshape(b, s, n).astype(float)


def resampled_means(x: np.ndarray, d: Draws, examples: np.ndarray | None = None) -> np.ndarray:
    """Means of the columns over each resample: (E, B, K) for ``x`` of shape (E, S, N, K).

    ``examples`` (E, S, T, N, 4), if given, replaces the :data:`TEST_COLUMNS` of each drawn unit
    by their values under the example draw ``d.weights``. Computed as matrix products of the
    draw counts with the data, for all resamples at once.
    """
    e, s, n, k = x.shape
    counts = unit_counts(d)                                                 # (B, S, N)
    total = counts.sum(axis=(1, 2))
    out = np.matmul(counts.reshape(-1, s * n), x.reshape(e, s * n, k)) / total[:, None]
    if examples is not None and d.weights is not None:
        t, c = examples.shape[2], examples.shape[4]
        test = np.zeros((e, len(counts), c))
        for i in range(s):                   # one matrix product per split (a few splits)
            # (B, T) @ (T, E*N*4): this split's units under every example draw
            y = np.ascontiguousarray(examples[:, i].transpose(1, 0, 2, 3)).reshape(t, -1)
            z = (d.weights[:, i] @ y).reshape(-1, e, n, c)                 # (B, E, N, 4)
            test += np.einsum("benc,bn->ebc", z, counts[:, i])
        out[..., list(TEST_COLUMNS)] = test / total[:, None]
    return out


def jackknife_means(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Leave-one-unit-out means (E, U, K) of ``x`` (E, S, N, K) over its valid units."""
    flat = x[:, valid]                                                      # (E, U, K)
    u = flat.shape[1]
    return (flat.sum(axis=1, keepdims=True) - flat) / max(u - 1, 1)


# -- intervals and p-values ------------------------------------------------------------------------
def _quantile_rows(sorted_boot: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolated quantile ``q`` (E,) of each row of ``sorted_boot`` (E, B)."""
    b = sorted_boot.shape[1]
    pos = np.clip(q, 0, 1) * (b - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, b - 1)
    frac = pos - lo
    a = np.take_along_axis(sorted_boot, lo[:, None], 1)[:, 0]
    c = np.take_along_axis(sorted_boot, hi[:, None], 1)[:, 0]
    return a + frac * (c - a)


def bca_parts(theta: np.ndarray, boot: np.ndarray,
              jack: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bias correction z0 and acceleration a of BCa, per row (E,)."""
    b = boot.shape[1]
    below = (boot < theta[:, None]).sum(axis=1) + 0.5 * (boot == theta[:, None]).sum(axis=1)
    z0 = sps.norm.ppf(np.clip(below / b, 1.0 / (2 * b), 1 - 1.0 / (2 * b)))
    dev = jack.mean(axis=1, keepdims=True) - jack
    num, den = (dev ** 3).sum(axis=1), (dev ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(den > 0, num / (6.0 * den ** 1.5), 0.0)
    return z0, a


def _bca_percentile(z0: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The BCa-adjusted percentile of normal quantile ``z``: Phi(z0 + y / (1 - a y)), y = z0 + z.

    Past the pole (1 - a y <= 0, possible with a large acceleration) the percentile is taken as
    0 or 1 on the side of y, which keeps it increasing in z (the textbook formula wraps around).
    """
    y = z0 + z
    den = 1.0 - a * y
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = sps.norm.cdf(z0 + y / np.where(den > 0, den, 1.0))
    return np.where(den > 0, inside, (y > 0).astype(float))


def bca_interval(theta: np.ndarray, boot: np.ndarray, jack: np.ndarray,
                 confidence: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BCa interval per row: ``theta`` (E,), ``boot`` (E, B) resampled values, ``jack`` (E, U)."""
    z0, a = bca_parts(theta, boot, jack)
    alpha = (1.0 - np.asarray(confidence, float)) / 2.0
    srt = np.sort(boot, axis=1)
    lo = _quantile_rows(srt, _bca_percentile(z0, a, sps.norm.ppf(alpha)))
    hi = _quantile_rows(srt, _bca_percentile(z0, a, sps.norm.ppf(1.0 - alpha)))
    return lo, hi


def bca_pvalue(theta: np.ndarray, boot: np.ndarray, jack: np.ndarray,
               null: float = 0.0) -> np.ndarray:
    """Two-sided p-value of ``stat == null``: 1 - the level of the BCa interval ending at null
    (the inverse of :func:`_bca_percentile`; 0 when no level's interval reaches null)."""
    z0, a = bca_parts(theta, boot, jack)
    b = boot.shape[1]
    frac = ((boot < null).sum(axis=1) + 0.5 * (boot == null).sum(axis=1)) / b
    w = sps.norm.ppf(np.clip(frac, 0.5 / b, 1 - 0.5 / b)) - z0
    den = 1.0 + a * w
    with np.errstate(divide="ignore", invalid="ignore"):
        z_alpha = np.where(den > 0, w / np.where(den > 0, den, 1.0) - z0, np.inf)
    p = 2.0 * np.minimum(sps.norm.cdf(z_alpha), sps.norm.sf(z_alpha))
    # null beyond every resample: no interval reaches it, p is below the resolution 1/B
    p = np.where((frac <= 0) | (frac >= 1), 0.0, p)
    # no spread (up to rounding): every resample gives theta
    spread = boot.max(axis=1) - boot.min(axis=1) > 1e-12 * (1 + np.abs(theta))
    return np.where(spread, np.minimum(p, 1.0),
                    np.where(np.abs(theta - null) <= 1e-12, 1.0, 0.0))


def t_se(values: np.ndarray, boot: np.ndarray) -> np.ndarray:
    """Standard error for the t-interval: the larger of the bootstrap's (scaled by U/(U-1), the
    bootstrap's own small-sample bias) and the units' sd / sqrt(U). ``values`` (E, U)."""
    u = values.shape[1]
    boot_var = boot.var(axis=1) * u / max(u - 1, 1)
    unit_var = values.var(axis=1, ddof=1) / u if u > 1 else np.zeros(len(values))
    return np.sqrt(np.maximum(boot_var, unit_var))


def with_t(value: float, lo: float, hi: float, se: float, df: int,
           confidence: float) -> tuple[float, float]:
    """``(lo, hi)`` united with the t-interval value +- t(df) se when there are fewer than
    :data:`T_BELOW` units (df = units - 1); unchanged otherwise."""
    if 0 < df < T_BELOW - 1:
        half = float(sps.t.ppf(0.5 + confidence / 2, df)) * se
        return (min(lo, value - half), max(hi, value + half))
    return (lo, hi)


@dataclass
class Estimate:
    """A statistic with its interval at the report's confidence and its two-sided p-value."""

    value: float
    ci: tuple[float, float]
    p: float
    # what is needed to recompute the interval at another level (Holm steps)
    boot: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    jack: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    se_t: float = float("nan")
    df: int = 0

    def interval(self, confidence: float) -> tuple[float, float]:
        """The interval at ``confidence`` (BCa, united with the t-interval below 10 units)."""
        if self.boot.size == 0 or not np.isfinite(self.value):
            return (float("nan"), float("nan"))
        lo, hi = bca_interval(np.array([self.value]), self.boot[None], self.jack[None], confidence)
        return with_t(self.value, float(lo[0]), float(hi[0]), self.se_t, self.df, confidence)


def estimate(stat: Callable[[np.ndarray], np.ndarray], means: np.ndarray, boot_means: np.ndarray,
             jack_means: np.ndarray, unit_values: np.ndarray, confidence: float) -> Estimate:
    """One statistic for one comparison (E = 1 arrays, see :func:`estimates`)."""
    return estimates(stat, means[None], boot_means[None], jack_means[None], unit_values[None],
                     confidence)[0]


def estimates(stat: Callable[[np.ndarray], np.ndarray], means: np.ndarray, boot_means: np.ndarray,
              jack_means: np.ndarray, unit_values: np.ndarray,
              confidence: float) -> list[Estimate]:
    """Value, interval and p-value of ``stat`` for each of E comparisons at once.

    ``means`` (E, K) the point means, ``boot_means`` (E, B, K), ``jack_means`` (E, U, K),
    ``unit_values`` (E, U) the statistic per unit (for the t-interval's sd).
    """
    theta = stat(means)
    boot = stat(boot_means)
    jack = stat(jack_means)
    u = jack.shape[1]
    out = []
    finite = np.isfinite(boot).all(axis=1) & np.isfinite(theta)
    if finite.any():
        lo, hi = bca_interval(theta, np.where(finite[:, None], boot, 0.0),
                              np.where(np.isfinite(jack), jack, 0.0), confidence)
        p = bca_pvalue(theta, np.where(finite[:, None], boot, 0.0),
                       np.where(np.isfinite(jack), jack, 0.0))
        se = t_se(unit_values, np.where(finite[:, None], boot, 0.0))
    df = u - 1
    for e in range(len(theta)):
        if not finite[e]:
            # an undefined resample (e.g. R with no baseline gap): percentile over the defined ones
            ok = boot[e][np.isfinite(boot[e])]
            ci = ((float(np.quantile(ok, (1 - confidence) / 2)),
                   float(np.quantile(ok, (1 + confidence) / 2)))
                  if ok.size and np.isfinite(theta[e]) else (float("nan"), float("nan")))
            out.append(Estimate(float(theta[e]), ci, float("nan")))
            continue
        ci = with_t(float(theta[e]), float(lo[e]), float(hi[e]), float(se[e]), df, confidence)
        p_ = float(p[e])
        if 0 < df < T_BELOW - 1 and se[e] > 0:
            p_ = max(p_, float(2 * sps.t.sf(abs(theta[e]) / se[e], df)))
        out.append(Estimate(float(theta[e]), ci, p_, boot[e], jack[e], float(se[e]), df))
    return out


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (Holm 1979), in the order given; NaN stays NaN."""
    pv = np.asarray(p, float)
    out = np.full(pv.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(pv))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(pv[ok], kind="stable")]
    adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * pv[order]))
    out[order] = adj
    return out


def holm_levels(p: Sequence[float], alpha: float) -> np.ndarray:
    """The confidence level each comparison is judged at in Holm's step-down procedure.

    The k-th smallest p (k = 0, 1, ...) is tested at alpha / (m - k) once all before it were
    rejected; the first one not rejected and every one after it keep that step's level. An interval
    at these levels excludes 0 exactly for the comparisons Holm rejects (p-values being the
    inverted intervals).
    """
    pv = np.asarray(p, float)
    out = np.full(pv.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(pv))
    m = ok.size
    order = ok[np.argsort(pv[ok], kind="stable")]
    for k, i in enumerate(order):              # a loop over comparisons (a few dozen)
        out[i] = 1.0 - alpha / (m - k)
        if not pv[i] < alpha / (m - k):
            out[order[k:]] = 1.0 - alpha / (m - k)
            break
    return out


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
    d = draw(units.valid, resamples, rng, units.n_test)
    x = units.x[None]
    ex = units.examples[None] if units.examples is not None else None
    boot = resampled_means(x, d, ex)[0]
    jack = jackknife_means(x, units.valid)[0]
    flat = units.x[units.valid]
    means = flat.mean(axis=0)
    stats = {name: estimate(f, means, boot, jack, f(flat), confidence)
             for name, f in STATISTICS.items()}
    return Comparison(method, train_size, units.n_units, len(units.splits),
                      units.examples is not None,
                      dict(zip(COLUMNS, map(float, means), strict=True)), stats,
                      float((_d_test(flat) > 0).mean()))


def compare(rows: Sequence[Mapping[str, Any]], methods: Sequence[str], baseline: str,
            train_sizes: Sequence[int], resamples: int = 10000, seed: int = 0,
            confidence: float = 0.95) -> list[Comparison]:
    """Every non-baseline method vs ``baseline`` at every training size with a pair.

    The resamples of (method i, size j) come from ``derive(seed, i, j)``, so a number does not
    depend on which other comparisons are computed.
    """
    out = []
    for mi, method in enumerate(methods):
        if method == baseline:
            continue
        for si, size in enumerate(train_sizes):
            units = paired_units(rows, baseline, method, size)
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
    "COLUMNS",
    "STATISTICS",
    "T_BELOW",
    "Comparison",
    "Draws",
    "Estimate",
    "Units",
    "bca_interval",
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
    "unit_counts",
]
