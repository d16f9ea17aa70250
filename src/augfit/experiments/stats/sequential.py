"""Group-sequential looks for ``augfit run --until-decided``: Lan-DeMets alpha spending with
O'Brien-Fleming-type boundaries, combined with Holm over the primary comparisons.

Adding units until a comparison is decided is optional stopping: judged at a fixed level at every
look, a null effect would be declared sooner or later. The looks keep the error rate instead
(STATISTICS.md §4):

* **Information.** Look k has ``u_k`` (split, seed) units of a declared maximum ``u_max``; its
  information fraction is ``t_k = u_k / u_max`` (the variance of the pooled effect falls as
  1 / units).
* **Spending.** Lan & DeMets (1983), O'Brien-Fleming type, symmetric: each side spends
  ``2 - 2 Phi(z_{1-alpha/4} / sqrt(t))`` (alpha/2 by t = 1), so
  ``alpha(t) = 4 - 4 Phi(z_{1-alpha/4} / sqrt(t))`` in all, the convention of the published tables
  (Jennison & Turnbull 2000, ``ldbounds``, ``gsDesign``'s ``sfLDOF``). Almost nothing is spent at
  the early looks and the last look is judged at close to the fixed-design level.
* **Boundaries.** ``c_k`` solves ``P(|Z_1| < c_1, ..., |Z_{k-1}| < c_{k-1}, |Z_k| >= c_k) =
  alpha(t_k) - alpha(t_{k-1})`` under the null, where ``Z_k`` is the standardized effect at look k
  (a Brownian motion observed at ``t_k``: ``Cov(Z_j, Z_k) = sqrt(t_j / t_k)``). It is computed by
  numerical integration of the continuation density (Armitage, McPherson & Rowe 1969; Jennison &
  Turnbull 2000, ch. 19) on a grid with Simpson weights. The nominal level of look k is
  ``2 (1 - Phi(c_k))``: a comparison is judged at look k by its interval at ``1 -`` that level.
* **Several comparisons.** The group-sequential Holm procedure (Maurer & Bretz 2013): with ``r``
  primary comparisons not yet rejected, each is tested at look k against the boundary of a design
  with total level ``alpha / r`` at the same information fractions; a rejection frees its level to
  the others (``r`` falls by one) and the look is tested again. Stopping a comparison for
  negligibility (non-binding futility) never raises the error rate.
* **Categories.** At its level, a comparison is *helps* (the interval lies above 0), *hurts*
  (below 0), *negligible* (within +-smallest_effect: an equivalence test at the same level,
  Lakens 2017) or *inconclusive*: the verdicts' own rule, :func:`.decision.classify`.
  A run stops when every primary comparison is helps, hurts or
  negligible, or when the maximum is reached.

>>> [round(float(c), 3) for c in boundaries([0.2, 0.4, 0.6, 0.8, 1.0], 0.05)]
[4.877, 3.357, 2.68, 2.29, 2.031]
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

import numpy as np
from scipy import optimize
from scipy.stats import norm

from ...checks import check_probability, is_number, show
from ...errors import ConfigError
from .decision import HELPS, HURTS, INCONCLUSIVE, NEGLIGIBLE, classify

DECIDED = (HELPS, HURTS, NEGLIGIBLE)
_GRID = 401                  # points per continuation region (odd, for Simpson's rule)


def spent(t: float | np.ndarray, alpha: float) -> np.ndarray:
    """The alpha spent by information fraction ``t`` (Lan-DeMets, O'Brien-Fleming type)."""
    t = np.clip(np.asarray(t, float), 1e-12, 1.0)
    return cast(np.ndarray, 4.0 - 4.0 * norm.cdf(norm.ppf(1.0 - alpha / 4.0) / np.sqrt(t)))


def _simpson(n: int) -> np.ndarray:
    w = np.ones(n)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return w / 3.0


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    given = np.asarray(fractions, dtype=object)
    if given.ndim != 1 or not all(is_number(x) for x in given):
        raise ConfigError(f"information fractions must be a flat list of numbers, got "
                          f"{show(fractions)}")
    t = given.astype(float)
    if not t.size or not np.all(np.diff(t) > 0) or t[0] <= 0 or t[-1] > 1 + 1e-12:
        raise ConfigError(f"information fractions must increase within (0, 1], got "
                          f"{[round(float(x), 4) for x in t]}")
    return cast(np.ndarray, np.minimum(t, 1.0))


def boundaries(fractions: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """The two-sided z boundaries ``c_1..c_K`` at the information ``fractions`` (module
    docstring)."""
    check_probability(alpha, "alpha")
    return np.array(_boundaries(tuple(float(x) for x in _check_fractions(fractions)),
                                float(alpha)))


def _crossing(f: np.ndarray, s: np.ndarray, sd: float, b: float) -> float:
    """P(continue so far, then |S_k| >= b): ``f`` the continuation sub-density (times the grid
    weights) at scores ``s``, increments of sd ``sd``."""
    return float(f @ (norm.sf((b - s) / sd) + norm.cdf((-b - s) / sd)))


@lru_cache(maxsize=512)
def _boundaries(t: tuple[float, ...], alpha: float) -> tuple[float, ...]:
    spend = np.diff(np.concatenate([[0.0], spent(np.array(t), alpha)]))
    c = [float(norm.isf(spend[0] / 2.0))]
    s = np.linspace(-c[0], c[0], _GRID) * np.sqrt(t[0])         # score scale: S = Z sqrt(t)
    f = norm.pdf(s / np.sqrt(t[0])) / np.sqrt(t[0]) * _simpson(_GRID) * (s[1] - s[0])
    for k in range(1, len(t)):
        sd, root_t, target = np.sqrt(t[k] - t[k - 1]), np.sqrt(t[k]), float(spend[k])
        if target <= 0 or _crossing(f, s, sd, 40.0 * root_t) >= target:
            ck = 40.0
        else:
            ck = float(optimize.brentq(
                lambda x, f=f, s=s, sd=sd, r=root_t, a=target: _crossing(f, s, sd, x * r) - a,
                1e-6, 40.0, xtol=1e-10))
        c.append(ck)
        s_new = np.linspace(-ck, ck, _GRID) * root_t
        dens = norm.pdf((s_new[:, None] - s[None, :]) / sd) / sd @ f
        f = dens * _simpson(_GRID) * (s_new[1] - s_new[0])
        s = s_new
    return tuple(c)


def nominal_levels(fractions: Sequence[float], alpha: float = 0.05) -> np.ndarray:
    """The two-sided nominal level of each look: ``2 (1 - Phi(c_k))``."""
    return cast(np.ndarray, 2.0 * norm.sf(boundaries(fractions, alpha)))


CODES = (INCONCLUSIVE, HELPS, HURTS, NEGLIGIBLE)         # category codes 0..3 of the arrays


def categories(lo: np.ndarray, hi: np.ndarray, smallest_effect: float) -> np.ndarray:
    """Category codes (indices into :data:`CODES`) of intervals of the effect at their level, by
    the verdicts' one rule (:func:`.decision.classify`), elementwise."""
    rule = np.frompyfunc(lambda a, b: CODES.index(classify((float(a), float(b)),
                                                           smallest_effect)), 2, 1)
    return np.asarray(rule(np.asarray(lo, float), np.asarray(hi, float)), dtype=int)


def category(lo: float, hi: float, smallest_effect: float) -> str:
    """helps | hurts | negligible | inconclusive for one interval (:func:`.decision.classify`)."""
    return classify((float(lo), float(hi)), smallest_effect)


Intervals = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def judge_look(interval: Intervals, shape: tuple[int, ...], fractions: Sequence[float],
               alpha: float, smallest_effect: float, previous: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Judge M primary comparisons at the last of ``fractions`` by group-sequential Holm
    (module docstring), vectorized over experiments.

    ``interval(confidence)`` takes confidences of ``shape`` (E, M) and returns the effects'
    intervals ``(lo, hi)`` at them. ``previous`` (E, M) are the codes of the earlier looks: a
    comparison judged helps or hurts there keeps its code and passes its level on. Returns the
    codes (E, M) and the nominal level each comparison was judged at (E, M): a comparison not
    rejected is judged at the level of the last Holm step."""
    m = shape[-1]
    table = np.array([0.0] + [float(nominal_levels(fractions, alpha / r)[-1])
                              for r in range(1, m + 1)])
    before = np.zeros(shape, bool) if previous is None else np.isin(previous, (1, 2))
    codes = np.zeros(shape, int) if previous is None else previous.copy()
    done = before.copy()
    level = np.zeros(shape)
    while True:
        open_ = ~done
        level = np.where(open_, np.broadcast_to(table[m - done.sum(-1, keepdims=True)], shape),
                         level)
        lo, hi = interval(1.0 - np.where(open_, level, 0.5))
        codes = np.where(open_, categories(lo, hi, smallest_effect), codes)
        new = open_ & np.isin(codes, (1, 2))
        if not new.any():
            return codes, level
        done |= new


@dataclass(frozen=True)
class Look:
    """The decision of one primary comparison at one look."""

    method: str
    level: float                    # the nominal two-sided level it was judged at
    interval: tuple[float, float]   # the effect's interval at 1 - level
    category: str


def holm_look(intervals: dict[str, Callable[[float], tuple[float, float]]],
              fractions: Sequence[float], alpha: float, smallest_effect: float,
              previous: dict[str, Look] | None = None) -> dict[str, Look]:
    """:func:`judge_look` for one experiment: ``intervals[method](confidence)`` gives a method's
    effect interval; ``previous`` are the decisions of the last look (helps and hurts are
    kept)."""
    names = list(intervals)
    prev = None
    if previous:
        prev = np.array([[CODES.index(previous[m].category) if m in previous else 0
                          for m in names]])
    def at(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ci = [intervals[m](float(conf[0, j])) for j, m in enumerate(names)]
        return np.array([[c[0] for c in ci]]), np.array([[c[1] for c in ci]])

    codes, level = judge_look(at, (1, len(names)), fractions, alpha, smallest_effect, prev)
    out = {}
    for j, m in enumerate(names):
        if previous and m in previous and previous[m].category in (HELPS, HURTS):
            out[m] = previous[m]
        else:
            lv = float(level[0, j])
            out[m] = Look(m, lv, intervals[m](1.0 - lv), CODES[codes[0, j]])
    return out


def stop_reason(categories: dict[str, str], look: int, max_looks: int) -> str:
    """Why the run stopped (or "" to go on)."""
    if categories and all(c in DECIDED for c in categories.values()):
        return f"every primary comparison was decided at look {look}"
    if look >= max_looks:
        left = sorted(m for m, c in categories.items() if c not in DECIDED)
        return (f"the declared maximum was reached at look {look} with "
                f"{len(left)} comparison(s) still inconclusive ({', '.join(left)})")
    return ""


__all__ = ["CODES", "DECIDED", "HELPS", "HURTS", "INCONCLUSIVE", "NEGLIGIBLE", "Look",
           "boundaries", "categories", "category", "holm_look", "judge_look", "nominal_levels",
           "spent", "stop_reason"]
