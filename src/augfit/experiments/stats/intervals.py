"""Intervals and p-values from bootstrap resamples: BCa, the t-interval on the units united with
it, p-values that invert the intervals, and Holm's adjustment (the rules, and the simulation that
chose them, are described in :mod:`.stats` and docs/statistics.md)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from scipy import stats as sps


def _quantile_rows(sorted_boot: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Linear-interpolated quantile ``q`` (E,) of each row of ``sorted_boot`` (E, B)."""
    b = sorted_boot.shape[1]
    pos = np.clip(q, 0, 1) * (b - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, b - 1)
    frac = pos - lo
    a = np.take_along_axis(sorted_boot, lo[:, None], 1)[:, 0]
    c = np.take_along_axis(sorted_boot, hi[:, None], 1)[:, 0]
    return cast(np.ndarray, a + frac * (c - a))


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
    return cast(np.ndarray, np.where(den > 0, inside, (y > 0).astype(float)))


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


def t_se(values: np.ndarray) -> np.ndarray:
    """The units' own standard error, sd / sqrt(U), per row of ``values`` (E, U) (0 for one unit).

    The t-interval built on it treats the units as independent: it supplies the small-sample
    t-correction the bootstrap lacks, while the BCa interval carries the split level."""
    u = values.shape[1]
    return values.std(axis=1, ddof=1) / np.sqrt(u) if u > 1 else np.zeros(len(values))


def t_half(se: float, df: int, confidence: float) -> float:
    """Half the width of the t-interval at ``confidence``: t(df) x se (NaN below 1 df)."""
    return float(sps.t.ppf(0.5 + confidence / 2, df)) * se if df > 0 else float("nan")


def with_t(value: float, lo: float, hi: float, se: float, df: int,
           confidence: float) -> tuple[float, float]:
    """``(lo, hi)`` united with the t-interval value +- t(df) se (df = units - 1); unchanged with
    one unit."""
    if df > 0:
        half = t_half(se, df, confidence)
        return (min(lo, value - half), max(hi, value + half))
    return (lo, hi)


@dataclass
class Estimate:
    """A statistic with its interval at the report's confidence and its two-sided p-value.

    ``se_t`` is the units' own standard error (sd / sqrt(units)) and ``df`` = units - 1, the
    t-interval united with the BCa interval. ``confidence`` is the level ``ci`` was computed at.
    :attr:`se` is the standard error the reported interval implies (half its width over
    t(df)), the one to use for a minimum detectable effect: (t(df, 1 - alpha/2) + t(df, power))
    x se.
    """

    value: float
    ci: tuple[float, float]
    p: float
    # what is needed to recompute the interval at another level (Holm steps)
    boot: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    jack: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))
    se_t: float = float("nan")
    df: int = 0
    confidence: float = 0.95

    @property
    def se(self) -> float:
        """Standard error implied by ``ci``: (hi - lo) / (2 t(df)); NaN without units to judge."""
        half = t_half(1.0, self.df, self.confidence)
        lo, hi = self.ci
        return (hi - lo) / (2 * half) if np.isfinite(half) else float("nan")

    def interval(self, confidence: float) -> tuple[float, float]:
        """The interval at ``confidence`` (BCa united with the units' t-interval)."""
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
        se = t_se(unit_values)
    df = u - 1
    for e in range(len(theta)):
        if not finite[e]:
            # an undefined resample (e.g. R with no baseline gap): percentile over the defined ones
            ok = boot[e][np.isfinite(boot[e])]
            ci = ((float(np.quantile(ok, (1 - confidence) / 2)),
                   float(np.quantile(ok, (1 + confidence) / 2)))
                  if ok.size and np.isfinite(theta[e]) else (float("nan"), float("nan")))
            out.append(Estimate(float(theta[e]), ci, float("nan"), confidence=confidence))
            continue
        ci = with_t(float(theta[e]), float(lo[e]), float(hi[e]), float(se[e]), df, confidence)
        p_ = float(p[e])
        if df > 0 and se[e] > 0:
            p_ = max(p_, float(2 * sps.t.sf(abs(theta[e]) / se[e], df)))
        out.append(Estimate(float(theta[e]), ci, p_, boot[e], jack[e], float(se[e]), df,
                            confidence))
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
