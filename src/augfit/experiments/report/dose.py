"""Dose-response of swept methods: Δ test accuracy and Δ gap against the swept value.

A sweep (:mod:`.sweep`) expands ``rotate`` into ``rotate[limit=5]``, ``rotate[limit=10]``, ...;
each is compared with the baseline like any other method. This module regroups those verdicts by
sweep and training size, so the report can draw one curve per size against the swept value, with
the intervals of the exploratory per-size table (no new statistics: the same unadjusted intervals),
and mark
the value with the highest Δ test accuracy at each size.

That mark is **optimistic**: the same test results choose the value and judge it. A fair choice
would be made on val (or nested splits) and judged on test; augfit does not implement val-based
selection, and the report says so next to the mark (:data:`BEST_WARNING`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..spec import SweepValue, sweep_groups
from . import plots
from .verdicts import Verdict, interval_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BEST_WARNING = ("★ marks the swept value with the highest mean Δ test accuracy at each n. Picking "
                "it this way is optimistic: the same test results choose the value and judge it, "
                "so its Δ is biased upwards. A fair choice is made on val and judged on test; "
                "augfit does not implement val-based selection yet.")


@dataclass(frozen=True)
class DosePoint:
    """One swept value at one training size (the verdict's numbers, in fractions)."""

    value: SweepValue
    method: str
    train_size: int
    d_test: float
    d_test_ci: tuple[float, float]       # unadjusted, as in the exploratory per-size table
    detected: bool                       # the interval excludes 0
    d_gap: float
    d_gap_ci: tuple[float, float]
    gap_detected: bool
    best: bool                           # highest Δ test at this size within the sweep


@dataclass(frozen=True)
class DoseCurve:
    """The points of one sweep (``group`` swept over ``param``), by size then value."""

    group: str
    param: str
    values: list[SweepValue]
    points: list[DosePoint]

    def sizes(self) -> list[int]:
        return sorted({p.train_size for p in self.points})

    def at(self, size: int) -> list[DosePoint]:
        """The points at one training size, in the order of :attr:`values`."""
        return [p for p in self.points if p.train_size == size]


def dose_curves(verdicts: Sequence[Verdict], methods: Sequence[str]) -> list[DoseCurve]:
    """One :class:`DoseCurve` per sweep among ``methods`` (spec order) that has verdicts; a sweep
    is a group of at least 2 labelled methods ``group[param=value]``."""
    by = {(v.method, v.train_size): v for v in verdicts}
    out = []
    for group, g in sweep_groups(list(methods)).items():
        values = [value for value, _ in g["points"]]
        if len(values) < 2:                  # a name that only looks like a sweep's label
            continue
        points: list[DosePoint] = []
        for size in sorted({v.train_size for v in verdicts}):
            here = [(value, by[(name, size)]) for value, name in g["points"]
                    if (name, size) in by]
            if not here:
                continue
            best = int(np.argmax([v.d_test for _, v in here]))
            points += [DosePoint(value, v.method, size, v.d_test, v.d_test_ci, v.detected,
                                 v.d_gap, v.d_gap_ci, v.gap_detected, i == best)
                       for i, (value, v) in enumerate(here)]
        if points:
            out.append(DoseCurve(group, g["param"], values, points))
    return out


def dose_rows(curves: Sequence[DoseCurve]) -> list[list[str]]:
    """Header + one row per (sweep, size, value): the dose-response table."""
    out = [["sweep", "n", "value", "Δ test acc [CI, exploratory]", "Δ gap [CI, exploratory]",
            "best on test"]]
    for c in curves:
        for size in c.sizes():
            for p in c.at(size):
                out.append([c.group, str(size), f"{c.param}={p.value}",
                            interval_text(p.d_test, p.d_test_ci),
                            interval_text(p.d_gap, p.d_gap_ci), "★ (optimistic)" if p.best
                            else ""])
    return out


def best_lines(curves: Sequence[DoseCurve]) -> list[str]:
    """One sentence per sweep naming the best value on test at each size, and the caveat."""
    out = []
    for c in curves:
        parts = []
        for size in c.sizes():
            p = next(p for p in c.at(size) if p.best)
            parts.append(f"at n = {size}, {c.param}={p.value} "
                         f"({interval_text(p.d_test, p.d_test_ci)})")
        out.append(f"{c.group} (dose-response in {c.param}): best on test {'; '.join(parts)}; "
                   "chosen on test, so optimistic (val-based selection is not implemented).")
    return out


def dose_figure(curve: DoseCurve, baseline: str) -> Figure:
    """The matplotlib Figure: Δ test accuracy (left) and Δ gap (right) against the swept value,
    one line per training size with its unadjusted (exploratory) interval (filled: it excludes 0;
    hollow: not; an interval far beyond the estimates is clipped with an arrow head); a star on
    the best value on test at each size; the legend below. The values sit at even steps in
    sweep order (labelled with the values), so a sweep over names or uneven numbers reads the
    same way."""
    from matplotlib import colormaps

    sizes = curve.sizes()
    fig: Figure = plots.figure((9.5, 3.4))
    axes = fig.subplots(1, 2)
    shades = colormaps["viridis"](np.linspace(0, 0.8, max(len(sizes), 1)))
    span = 0.12 * (len(sizes) - 1)
    off = np.linspace(-span, span, len(sizes)) if len(sizes) > 1 else np.zeros(1)
    pos = {v: i for i, v in enumerate(curve.values)}
    panels = ((f"Δ test accuracy vs {baseline} (higher is better)", "d_test", "d_test_ci",
               "detected"),
              (f"Δ gap vs {baseline} (lower: narrower gap)", "d_gap", "d_gap_ci", "gap_detected"))
    for ax, (title, val, ci, sig) in zip(axes, panels, strict=True):
        limits = plots.clip_limits([100 * getattr(p, val) for p in curve.points],
                                   [100 * e for p in curve.points for e in getattr(p, ci)])
        for k, size in enumerate(sizes):
            pts = curve.at(size)
            xs = np.array([pos[p.value] + off[k] for p in pts])
            ys = np.array([100 * getattr(p, val) for p in pts])
            ax.plot(xs, ys, color=shades[k], lw=1.2, label=f"n = {size}")
            for x, y, p in zip(xs, ys, pts, strict=True):
                lo, hi = getattr(p, ci)
                plots.interval_bar(ax, x, y, 100 * lo, 100 * hi, limits, True, shades[k],
                                   getattr(p, sig), gid=f"dose:{size}:{p.value}")
            if val == "d_test":
                best = [(x, y) for x, y, p in zip(xs, ys, pts, strict=True) if p.best]
                ax.plot([b[0] for b in best], [b[1] for b in best], marker="*", ms=13,
                        color="#f5b800", mec="black", mew=0.6, ls="none", zorder=5,
                        label="best on test (optimistic)" if k == 0 else None)
        ax.set_ylim(*limits)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_xticks(range(len(curve.values)), [str(v) for v in curve.values])
        ax.set_xlabel(curve.param, fontsize=8)
        ax.set_ylabel("percentage points", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=max(len(labels), 1), fontsize=8, frameon=False)
    fig.suptitle(f"{curve.group}: dose-response in {curve.param}", fontsize=10)
    fig.tight_layout()
    return fig


def dose_png(curve: DoseCurve, baseline: str) -> bytes:
    """:func:`dose_figure` as PNG bytes."""
    return plots.chart_png(dose_figure(curve, baseline))


__all__ = ["BEST_WARNING", "DoseCurve", "DosePoint", "best_lines", "dose_curves", "dose_figure",
           "dose_png", "dose_rows"]
