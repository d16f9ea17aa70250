"""One method at every training size at once: the comparison pooled over sizes, and the
bootstrap interval of the effective data multiplier.

Both resample a method's (split, seed) units at all sizes *together* (:func:`joint_resample`):

1. the splits with replacement, one draw shared by every size (the sizes of one split share its
   training pool, val set and test set);
2. within each drawn split, its seeds with replacement, from uniforms shared by the sizes: seed
   position j takes unit ``floor(u_j x c)`` of the ``c`` units that size has in that split, so when
   every size has the same seeds, the same seeds are drawn at every size;
3. the test examples, only where one test set is shared by every unit (one split, or
   ``test: official``; :func:`.stats.example_level`), from the report's shared example draws
   (:mod:`.example_draws`): one draw per resample, the same at every size. With 2 or more splits
   each with its own test set there is no example level (:mod:`.stats`).

Each size keeps its own units and its own mean in every resample (size-stratified, STATISTICS.md
§4): the pooled statistic is the statistic of the per-size column means averaged over the sizes,
every size weighted equally. Its interval is BCa with the jackknife over (split, seed) units (a
unit left out at every size at once), united with the units' t-interval as for one size
(:func:`.stats.estimates`), the units' spread taken from the jackknife pseudo-values.

Only sizes at which the comparison has units in every split are pooled (a partial size would leave
some resamples without a unit there); the others are listed in ``PooledComparison.left_out``.

The data multiplier's interval takes, in each resample, the baseline's mean test accuracy at every
pooled size and the method's at n, fits the monotone baseline curve and reads n*/n
(:func:`multiplier_draws`, the same arithmetic as
:func:`augfit.experiments.report.verdicts.data_multiplier`, vectorized); the interval is the
percentile interval of those values on the log scale, with "> max/n" and "< min/n" resamples counted
at their side.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ...rng import derive
from .example_draws import ExampleDraws
from .results import CellResult
from .stats import (
    BT,
    COLUMNS,
    MT,
    STATISTICS,
    Comparison,
    Draws,
    Units,
    estimates,
    example_level,
    paired_units,
    resampled_means,
    study_draws,
)


@dataclass
class Joint:
    """A method's units at the pooled sizes and their joint resamples."""

    sizes: list[int]
    units: list[Units]                   # per size, over the same splits in the same order
    boot: np.ndarray                     # (K, B, 8): per-size column means in each resample
    left_out: list[int] = field(default_factory=list)


def joint_units(rows: Sequence[CellResult], baseline: str, method: str,
                sizes: Sequence[int], draws: ExampleDraws | None
                ) -> tuple[list[int], list[Units], list[int]]:
    """``(pooled sizes, their units, sizes left out)``: sizes with a unit in every split seen."""
    per = {n: paired_units(rows, baseline, method, n, draws) for n in sizes}
    have = {n: u for n, u in per.items() if u.n_units}
    splits = sorted({s for u in have.values() for s in u.splits})
    pooled = [n for n in sizes if n in have and have[n].splits == splits]
    return pooled, [have[n] for n in pooled], [n for n in sizes if n not in pooled]


def joint_resample(units: Sequence[Units], resamples: int,
                   rng: np.random.Generator) -> np.ndarray:
    """(K, B, 8) column means of each size's units in ``resamples`` joint resamples."""
    s = len(units[0].splits)
    n_max = max(u.valid.shape[1] for u in units)
    split = rng.integers(0, s, size=(resamples, s))
    u = rng.random((resamples, s, n_max))
    out = np.empty((len(units), resamples, len(COLUMNS)))
    for k, un in enumerate(units):
        n = un.valid.shape[1]
        c = un.valid.sum(axis=1)[split]                                     # (B, S)
        seed = np.minimum((u[..., :n] * c[..., None]).astype(np.intp),
                          np.maximum(c[..., None] - 1, 0))
        d = Draws(split, seed, np.arange(n) < c[..., None])
        test = un.test[None] if un.test is not None else None
        out[k] = resampled_means(un.x[None], d, test, un.valid)[0]
    return out


def _unit_table(units: Sequence[Units]) -> dict[tuple[int, int], list[np.ndarray | None]]:
    """(split, position) -> the unit's columns at each size (None where that size lacks it)."""
    ids: dict[tuple[int, int], list[np.ndarray | None]] = {}
    for k, un in enumerate(units):
        for i, sp in enumerate(un.splits):
            for j in np.flatnonzero(un.valid[i]):
                ids.setdefault((sp, int(j)), [None] * len(units))[k] = un.x[i, j]
    return ids


@dataclass
class PooledComparison(Comparison):
    """A :class:`.stats.Comparison` pooled over ``sizes`` (``train_size`` is 0)."""

    sizes: tuple[int, ...] = ()
    left_out: tuple[int, ...] = ()


def compare_pooled(rows: Sequence[CellResult], baseline: str, method: str,
                   sizes: Sequence[int], rng: np.random.Generator, resamples: int = 10000,
                   confidence: float = 0.95, draws: ExampleDraws | None = None
                   ) -> tuple[PooledComparison | None, Joint | None]:
    """``method`` vs ``baseline`` pooled over ``sizes`` (None when fewer than 2 sizes pool),
    with the joint resamples it was computed from (for the data multiplier)."""
    pooled, units, left = joint_units(rows, baseline, method, sizes, draws)
    if not pooled:
        return None, None
    boot = joint_resample(units, resamples, rng)
    joint = Joint(pooled, units, boot, left)
    if len(pooled) < 2:
        return None, joint
    per_size = np.stack([u.x[u.valid].mean(axis=0) for u in units])        # (K, 8)
    means = per_size.mean(axis=0)
    table = _unit_table(units)
    jack, unit_cols = [], []
    for cols in table.values():
        loo = [(per_size[k] * u.n_units - c) / max(u.n_units - 1, 1) if c is not None
               else per_size[k] for k, (u, c) in enumerate(zip(units, cols, strict=True))]
        jack.append(np.mean(loo, axis=0))
        unit_cols.append(np.mean([c for c in cols if c is not None], axis=0))
    jack_a, unit_a = np.array(jack), np.array(unit_cols)
    b = boot.mean(axis=0)
    u = len(table)
    # the t-interval's unit values: jackknife pseudo-values (a unit's values at the sizes it has
    # would misstate the spread when sizes have different units)
    stats = {name: estimates(f, means[None], b[None], jack_a[None],
                             (u * f(means) - (u - 1) * f(jack_a))[None], confidence)[0]
             for name, f in STATISTICS.items()}
    win = float((unit_a[:, MT] - unit_a[:, BT] > 0).mean())
    comp = PooledComparison(method, 0, len(table), len(units[0].splits),
                            all(u.test is not None for u in units),
                            dict(zip(COLUMNS, map(float, means), strict=True)), stats, win,
                            tuple(pooled), tuple(left))
    return comp, joint


def compare_all_pooled(rows: Sequence[CellResult], methods: Sequence[str],
                       baseline: str, sizes: Sequence[int], resamples: int = 10000,
                       seed: int = 0, confidence: float = 0.95,
                       draws: ExampleDraws | None = None, shared_test: bool = False
                       ) -> tuple[list[PooledComparison], dict[str, Joint]]:
    """Every non-baseline method pooled over ``sizes``; the joint resamples of (method i) come
    from ``derive(seed, i, 0)`` (a key no single-size comparison uses). The example level as in
    :func:`.stats.compare` (``draws`` ignored where it does not apply)."""
    if not example_level(rows, shared_test):
        draws = None
    elif draws is None:
        draws = study_draws(rows, resamples, seed, shared_test)
    out, joints = [], {}
    for mi, method in enumerate(methods):
        if method == baseline:
            continue
        comp, joint = compare_pooled(rows, baseline, method, sizes, derive(seed, mi, 0),
                                     resamples, confidence, draws)
        if comp is not None:
            out.append(comp)
        if joint is not None:
            joints[method] = joint
    return out, joints


# -- the data multiplier --------------------------------------------------------------------------
def isotonic_rows(y: np.ndarray) -> np.ndarray:
    """The non-decreasing least-squares fit of each row of ``y`` (B, K), equal weights:
    fit_i = max over j <= i of min over l >= i of mean(y[j..l]) (the min-max formula).

    Written here, vectorized over the B resamples, because scikit-learn's ``isotonic_regression``
    fits one row a call: 2,000 rows of 5 sizes take 0.3 ms of CPU here and 295 ms in a loop over
    it (``benchmarks/isotonic.py``); the fits agree to 1e-15, and tests/experiments/test_pooled.py
    checks them against it."""
    b, k = y.shape
    c = np.concatenate([np.zeros((b, 1)), np.cumsum(y, axis=1)], axis=1)
    fit = np.empty_like(y)
    for i in range(k):                       # K sizes (a handful)
        best = np.full(b, -np.inf)
        for j in range(i + 1):
            lows = np.stack([(c[:, e + 1] - c[:, j]) / (e - j + 1) for e in range(i, k)])
            best = np.maximum(best, lows.min(axis=0))
        fit[:, i] = best
    return fit


def multiplier_draws(sizes: Sequence[int], baseline_accuracy: np.ndarray, n: int,
                     accuracy: np.ndarray) -> np.ndarray:
    """log(n*/n) per row: ``baseline_accuracy`` (B, K) at ``sizes`` (ascending), the method's
    ``accuracy`` (B,) at ``n``; +inf beyond the largest size, -inf below the smallest."""
    s = np.log(np.asarray(sizes, float))
    fit = isotonic_rows(baseline_accuracy)
    above, below = accuracy > fit[:, -1], accuracy < fit[:, 0]
    i = np.argmax(fit >= accuracy[:, None], axis=1)
    lo_i = np.maximum(i - 1, 0)
    rows = np.arange(len(accuracy))
    f0, f1 = fit[rows, lo_i], fit[rows, i]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(f1 > f0, (accuracy - f0) / (f1 - f0), 1.0)
    star = np.where(i == 0, s[0], s[lo_i] + t * (s[i] - s[lo_i]))
    out = star - np.log(n)
    return np.where(above, np.inf, np.where(below, -np.inf, out))


def multiplier_interval(joint: Joint, n: int, confidence: float) -> tuple[float, float]:
    """Percentile interval of n*/n at ``n`` from the joint resamples (inf / 0 when beyond the
    grid on that side); NaN when ``n`` is not pooled."""
    if n not in joint.sizes or len(joint.sizes) < 2:
        return (float("nan"), float("nan"))
    k = joint.sizes.index(n)
    logs = multiplier_draws(joint.sizes, joint.boot[:, :, BT].T, n, joint.boot[k, :, MT])
    # no interpolation: an endpoint may be infinite
    lo, hi = np.quantile(logs, [(1 - confidence) / 2, (1 + confidence) / 2],
                         method="inverted_cdf")
    return float(np.exp(lo)), float(np.exp(hi))


__all__ = [
    "Joint",
    "PooledComparison",
    "compare_all_pooled",
    "compare_pooled",
    "isotonic_rows",
    "joint_resample",
    "joint_units",
    "multiplier_draws",
    "multiplier_interval",
]
