"""Power arithmetic for a paired comparison: the minimum detectable effect and the units needed.

Both follow the usual t-test approximation (e.g. Cohen 1988, ch. 2): a two-sided test at level
``alpha`` with standard error ``se`` and ``df`` degrees of freedom detects an effect of size

    MDE = (t(1 - alpha/2, df) + t(power, df)) x se

with probability ``power``. With U independent units the standard error falls as 1/sqrt(U) and the
degrees of freedom grow with U, so the number of units at which the MDE reaches a target effect is
found by a short search. The verdicts (:mod:`.verdicts`) state both for an inconclusive result;
``augfit plan`` sizes a design with them.

The observed standard error stands in for the true one, so both numbers are estimates ("about").
"""
from __future__ import annotations

import math

from scipy import stats as sps

from ...checks import check_number
from ...errors import ConfigError

POWER = 0.8                              # the power every "minimum detectable effect" is at
MAX_UNITS = 100_000                      # the search gives up beyond this many units


def _check(alpha: float, power: float) -> None:
    check_number(alpha, "alpha", "mde", 0, 1, low_open=True, high_open=True)
    check_number(power, "power", "mde", 0, 1, low_open=True, high_open=True)
    if power <= alpha / 2:   # then t(1 - alpha/2) + t(power) <= 0: an MDE of 0 or less
        raise ConfigError(f"mde(power=...) must be above alpha/2 = {alpha / 2:g} (the chance that "
                          f"a test at alpha={alpha:g} rejects on one side under no effect), got "
                          f"{power!r}; the usual power is {POWER}")


def mde(se: float, df: float, alpha: float = 0.05, power: float = POWER) -> float:
    """The smallest effect a two-sided test at level ``alpha`` detects with probability ``power``,
    for an estimate with standard error ``se`` and ``df`` degrees of freedom (``math.inf``: the
    normal approximation). NaN when ``se`` is NaN or ``df`` < 1.

    >>> round(mde(1.0, math.inf), 4)            # 1.9600 + 0.8416
    2.8016
    """
    _check(alpha, power)
    if not math.isfinite(se) or df < 1:
        return float("nan")
    if math.isinf(df):
        q = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    else:
        q = sps.t.ppf(1 - alpha / 2, df) + sps.t.ppf(power, df)
    return float(q) * se


def scaled(se: float, df: float, n_units: int, units: int) -> tuple[float, float]:
    """``(se, df)`` of the same design grown (or shrunk) from ``n_units`` to ``units`` units: the
    standard error as 1/sqrt(units), the degrees of freedom in proportion, (df + 1) x units /
    n_units - 1 (so df = U - 1 stays U - 1, and df = splits - 1 adds splits in proportion)."""
    return se * math.sqrt(n_units / units), (df + 1) * units / n_units - 1


def units_needed(se: float, df: float, n_units: int, effect: float, alpha: float = 0.05,
                 power: float = POWER) -> int | None:
    """About how many units (in total, like ``n_units``) make the minimum detectable effect at most
    ``effect``: the smallest U with ``mde(*scaled(se, df, n_units, U)) <= effect``. None when the
    standard error is unknown or more than :data:`MAX_UNITS` would be needed; ``n_units`` or fewer
    when the design already reaches it.

    >>> units_needed(se=0.02 / math.sqrt(10), df=9, n_units=10, effect=0.01)   # unit sd 2 pp
    34
    """
    _check(alpha, power)
    if not (math.isfinite(se) and se >= 0 and effect > 0 and n_units >= 1):
        return None
    if se == 0:
        return 2

    def reaches(u: int) -> bool:
        s, d = scaled(se, df, n_units, u)
        return mde(s, max(d, 1.0), alpha, power) <= effect

    z = sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)
    lo = max(1, math.floor((z * se * math.sqrt(n_units) / effect) ** 2))   # normal: a lower bound
    hi = max(lo + 1, 2)
    while not reaches(hi):                   # MDE falls as units grow: double, then bisect
        lo, hi = hi, 2 * hi
        if hi > 2 * MAX_UNITS:
            return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if reaches(mid) else (mid, hi)
    if hi > MAX_UNITS:
        return None
    return int(hi)


__all__ = ["MAX_UNITS", "POWER", "mde", "scaled", "units_needed"]
