"""The report's figures, drawn with matplotlib's Agg backend and returned as PNG bytes.

Colours: one fixed colour per method (matplotlib's ``tab10``, readable on white and distinct for
colour-blind readers in its first entries), the same in every figure.
"""
from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...viz.figures import figure, png_bytes, png_data_uri

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..stats import CellResult
    from .verdicts import Verdict

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


CHART_COLORS = 64
"""Palette size of the report's charts (:func:`chart_png`): they read the same as in full colour
at about a third of the bytes, which keeps the demo's report.html under 1 MB."""


def chart_png(fig: Figure) -> bytes:
    """A report chart as PNG bytes with a palette of :data:`CHART_COLORS` colours."""
    return png_bytes(fig, colors=CHART_COLORS)


def color_of(methods: Sequence[str]) -> dict[str, str]:
    """A fixed colour per method, in the spec's order."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(methods)}


def curve_matrix(histories: Sequence[Mapping[str, list[float]]], key: str) -> np.ndarray:
    """(runs, epochs) array of a per-epoch curve, NaN after a run stopped."""
    n = max(len(h[key]) for h in histories)
    arr = np.full((len(histories), n), np.nan)
    for i, h in enumerate(histories):
        arr[i, : len(h[key])] = h[key]
    return arr


def mean_curve(histories: Sequence[Mapping[str, list[float]]], key: str) -> np.ndarray:
    """Mean over runs of a per-epoch curve; runs that stopped early count only while they ran."""
    arr = curve_matrix(histories, key)
    counts = (~np.isnan(arr)).sum(axis=0)
    mean: np.ndarray = np.nansum(arr, axis=0) / np.maximum(counts, 1)
    return mean


def _band(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-epoch min and max over the runs still running (the seed band)."""
    with np.errstate(all="ignore"):
        return np.nanmin(arr, axis=0), np.nanmax(arr, axis=0)


def interesting_range(values: np.ndarray, accuracy: bool) -> tuple[float, float]:
    """A y-range that shows where the curves differ: accuracy from just under the 5th percentile
    of the plotted values to 1; loss from 0 to a little over the 95th percentile (so the first
    epochs' large losses do not flatten the rest)."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return (0.0, 1.02) if accuracy else (0.0, 1.0)
    if accuracy:
        lo = float(np.percentile(v, 5))
        return (max(0.0, lo - 0.05 * (1.0 - lo) - 0.01), 1.005)
    hi = float(np.percentile(v, 95))
    return (0.0, hi * 1.1 if hi > 0 else 1.0)


def _histories(rows: Sequence[CellResult], method: str, size: int) -> list[CellResult]:
    """The stored cells of one method at one size that carry a history."""
    return [r for r in rows if r.method == method and r.train_size == size and r.history]


def _curve_pair(ax: Axes, hs: Sequence[Mapping[str, list[float]]], what: str, color: str,
                band: bool, lw: float, label: str) -> list[np.ndarray]:
    """Clean train (solid) and val (dashed) means of ``what`` on ``ax``, with the min-max band
    when ``band``; returns the arrays drawn (for the y range)."""
    drawn = []
    for split, ls in (("train", "-"), ("val", "--")):
        key = f"{split}_{what}"
        if not hs or not all(key in h for h in hs):
            continue
        arr = curve_matrix(hs, key)
        ep = np.arange(1, arr.shape[1] + 1)
        if band:
            lo, hi = _band(arr)
            ax.fill_between(ep, lo, hi, color=color, alpha=0.15 if split == "train" else 0.25,
                            lw=0)
        ax.plot(ep, mean_curve(hs, key), color=color, ls=ls, lw=lw, label=f"{label} {split}")
        drawn.append(arr if band else mean_curve(hs, key))
    return drawn


BASELINE_INK = "#555555"


def learning_curves(rows: Sequence[CellResult], method: str, train_sizes: Sequence[int],
                    color: str = PALETTE[0], xlabel: str = "epoch",
                    baseline: str | None = None) -> bytes:
    """Accuracy (top) and loss (bottom) per epoch, one column per training size: clean train
    (solid) vs val (dashed), mean over cells with the min-max band over seeds and splits, the
    median best epoch (dotted line) and, thin and grey, the ``baseline``'s means for comparison.
    The panels of a row share their y axis and those of a column their x axis; the legend sits
    below the panels."""
    from matplotlib.ticker import MaxNLocator

    sizes = [n for n in train_sizes if _histories(rows, method, n)]
    other = baseline if baseline and baseline != method else None
    fig = figure((2.6 * max(len(sizes), 1) + 0.8, 4.9))
    axes = np.atleast_2d(fig.subplots(2, max(len(sizes), 1), squeeze=False, sharex="col",
                                      sharey="row"))
    for row_i, (what, acc) in enumerate((("accuracy", True), ("loss", False))):
        values: list[np.ndarray] = []
        for col, size in enumerate(sizes):
            ax, sel = axes[row_i, col], _histories(rows, method, size)
            values += _curve_pair(ax, [r.history for r in sel], what, color, True, 1.4, method)
            if other:
                values += _curve_pair(ax, [r.history for r in _histories(rows, other, size)],
                                      what, BASELINE_INK, False, 0.9, other)
            best = np.median([float(r.best_epoch) for r in sel] or [np.nan])
            if np.isfinite(best):
                ax.axvline(best, color="#444", ls=":", lw=1, label="best epoch (median)")
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            if row_i == 0:
                ax.set_title(f"n = {size}", fontsize=9)
            else:
                ax.set_xlabel(xlabel, fontsize=8)
        if values:
            axes[row_i, 0].set_ylim(*interesting_range(
                np.concatenate([v.ravel() for v in values]), acc))
        axes[row_i, 0].set_ylabel(what, fontsize=8)
    if sizes:
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(labels), 5), fontsize=7, frameon=False)
    fig.suptitle(f"{method}: clean train (solid) vs val (dashed); band = min-max over seeds "
                 "and splits" + (f"; grey: {other}" if other else ""), fontsize=9)
    fig.tight_layout()
    return chart_png(fig)


def overlay(rows: Sequence[CellResult], methods: Sequence[str], size: int,
            xlabel: str = "epoch") -> bytes:
    """Val accuracy and val loss per epoch of every method at one training size (means); the
    legend below the panels."""
    colors = color_of(methods)
    fig = figure((9, 3.3))
    axes = fig.subplots(1, 2)
    for ax, (what, acc) in zip(axes, (("accuracy", True), ("loss", False)), strict=True):
        values = []
        for m in methods:
            hs = [r.history for r in rows if r.method == m and r.train_size == size
                  and f"val_{what}" in r.history]
            if not hs:
                continue
            y = mean_curve(hs, f"val_{what}")
            ax.plot(np.arange(1, len(y) + 1), y, color=colors[m], lw=1.5, label=m)
            values.append(y)
        if values:
            ax.set_ylim(*interesting_range(np.concatenate(values), acc))
        ax.set_title(f"val {what} at n = {size} (mean over cells)", fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=min(max(len(labels), 1), 5), fontsize=8, frameon=False)
    fig.tight_layout()
    return chart_png(fig)


def clip_limits(estimates: Sequence[float], ends: Sequence[float], least: float = 0.5
                ) -> tuple[float, float]:
    """Axis limits for estimates with intervals (plot units, e.g. pp): every estimate, 0 and every
    interval end within 3x the largest estimate (at least ``least``) of 0, padded by 6%. An end
    beyond them is drawn clipped (:func:`interval_bar`)."""
    est = [float(e) for e in estimates if np.isfinite(e)]
    cap = 3 * max([abs(e) for e in est] + [least])
    near = [float(e) for e in ends if np.isfinite(e) and abs(e) <= cap]
    lo, hi = min([0.0, *est, *near]), max([0.0, *est, *near])
    pad = 0.06 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def interval_bar(ax: Axes, pos: float, value: float, lo: float, hi: float,
                 limits: tuple[float, float], vertical: bool, color: Any, filled: bool,
                 **kw: Any) -> bool:
    """An estimate with its interval (an errorbar container) at ``pos``, the interval clipped at
    ``limits``: a clipped end gets an arrow head pointing on. Returns whether an end was clipped.
    ``kw`` goes to ``errorbar`` (``label``, ``gid``, ``ms``)."""
    a, b = max(lo, limits[0]), min(hi, limits[1])
    if not np.isfinite(a):
        a = limits[0]
    if not np.isfinite(b):
        b = limits[1]
    err = [[max(value - a, 0.0)], [max(b - value, 0.0)]]
    xy = ([pos], [value]) if vertical else ([value], [pos])
    ax.errorbar(*xy, yerr=err if vertical else None, xerr=None if vertical else err, fmt="o",
                color=color, mfc=color if filled else "white", capsize=2, lw=1.1,
                **{"ms": 5, **kw})
    clipped = False
    for end, beyond, mark in ((a, not lo >= limits[0], "v<"), (b, not hi <= limits[1], "^>")):
        if beyond:
            clipped = True
            ax.plot(*(([pos], [end]) if vertical else ([end], [pos])), ls="none", color=color,
                    marker=mark[0] if vertical else mark[1], ms=6, clip_on=False)
    return clipped


CLIPPED = "an arrow head: the interval goes on beyond the axis (clipped there)"


def effects(verdicts: Sequence[Verdict], methods: Sequence[str], baseline: str) -> bytes:
    """Δ test accuracy and Δ gap vs the baseline per method and training size, with the intervals
    the verdicts use (filled markers: detected; hollow: not detected). Each panel's axis holds the
    estimates and the intervals near them; a longer interval is clipped with an arrow head
    (:data:`CLIPPED`). The legend sits below the panels."""
    names = [m for m in methods if any(v.method == m for v in verdicts)]
    sizes = sorted({v.train_size for v in verdicts})
    fig = figure((10, 0.55 * max(len(names), 2) * max(1, len(sizes)) ** 0.5 + 1.6))
    axes = fig.subplots(1, 2, sharey=True)
    from matplotlib import colormaps

    shades = colormaps["viridis"](np.linspace(0, 0.8, max(len(sizes), 1)))
    off = np.linspace(-0.3, 0.3, len(sizes)) if len(sizes) > 1 else np.zeros(1)
    for ax, (title, val, ci, sig) in zip(axes, (
            (f"Δ test accuracy vs {baseline} (higher is better)", "d_test", "d_test_ci",
             "detected"),
            (f"Δ gap vs {baseline} (lower: narrower gap)", "d_gap", "d_gap_ci",
             "gap_detected")), strict=True):
        limits = clip_limits([100 * getattr(v, val) for v in verdicts],
                             [100 * e for v in verdicts for e in getattr(v, ci)])
        for k, size in enumerate(sizes):
            for i, m in enumerate(names):
                v = next((v for v in verdicts if v.method == m and v.train_size == size), None)
                if v is None:
                    continue
                lo, hi = getattr(v, ci)
                interval_bar(ax, i + off[k], 100 * getattr(v, val), 100 * lo, 100 * hi, limits,
                             False, shades[k], bool(getattr(v, sig)),
                             label=f"n = {size}" if i == 0 else None)
        ax.set_xlim(*limits)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("percentage points", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=max(len(labels), 1), fontsize=8, frameon=False)
    fig.tight_layout()
    return chart_png(fig)


def multipliers(verdicts: Sequence[Verdict], methods: Sequence[str]) -> bytes:
    """The effective data multiplier n*/n per method against the training size (log-log). A value
    beyond the grid is drawn at the grid's bound as a triangle pointing the way it goes (at least /
    at most that), and the legend says so. Vertical bars are the intervals
    (``Verdict.multiplier_ci``); an end beyond the grid stops at the grid's bound (largest size / n,
    smallest size / n) with an arrow head. Methods are nudged apart along x; the legend sits
    beside the axes."""
    colors = color_of(methods)
    fig = figure((6.4, 3.6))
    ax = fig.subplots()
    sizes = sorted({v.train_size for v in verdicts if v.train_size})
    beyond = False
    for i, m in enumerate(methods):
        vs = sorted((v for v in verdicts if v.method == m and v.train_size),
                    key=lambda v: v.train_size)
        if vs:
            beyond |= _multiplier_method(ax, vs, sizes, 1.0 + 0.025 * (i - len(methods) / 2),
                                         colors[m], m)
    ax.axhline(1, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ticks = [t for t in (0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8, 16) if lo <= t <= hi] or [1]
    ax.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    if sizes:
        ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_ylim(lo, hi)
    ax.set_xlabel("training-set size n", fontsize=8)
    ax.set_ylabel("worth x times the data (n*/n)", fontsize=8)
    ax.set_title("Effective data multiplier (1 = worth no extra data)", fontsize=9)
    ax.grid(alpha=0.3)
    if beyond:
        ax.plot([], [], marker="^", color="#555", ls="none", ms=7,
                label="beyond the grid: at least\n(▼: at most) this")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return chart_png(fig)


def _multiplier_method(ax: Axes, vs: Sequence[Verdict], sizes: Sequence[int], nudge: float,
                       color: str, label: str) -> bool:
    """One method's multipliers, intervals and beyond-the-grid triangles; returns whether a
    triangle was drawn."""
    for v in vs:
        lo, hi = v.multiplier_ci
        if not (np.isnan(lo) or np.isnan(hi)) and sizes:
            bounds = (sizes[0] / v.train_size, sizes[-1] / v.train_size)
            a, b = max(lo, bounds[0]), min(hi, bounds[1])
            if not a < b:          # every resample beyond the grid on one side: no bar
                continue
            x = v.train_size * nudge
            ax.plot([x] * 2, [a, b], color=color, lw=1.0, alpha=0.6)
            for end, cut, mark in ((a, lo < bounds[0], "v"), (b, hi > bounds[1], "^")):
                if cut:
                    ax.plot([x], [end], marker=mark, color=color, ms=4, alpha=0.6, ls="none")
    xs, ys, beyond = [], [], False
    for v in vs:
        if np.isfinite(v.multiplier):
            xs.append(v.train_size * nudge)
            ys.append(v.multiplier)
        elif v.multiplier_text[:1] in "<>":
            beyond = True
            bound = float(v.multiplier_text[1:].split("x")[0])
            ax.plot([v.train_size * nudge], [bound], marker="^" if v.multiplier_text[0] == ">"
                    else "v", color=color, ms=7, ls="none")
    ax.plot(xs, ys, marker="o", color=color, lw=1.4, label=label)
    return beyond

# -- the answer's small forest plots (inline SVG: no matplotlib, a few hundred bytes each) --------
#: verdict -> (ink, band) colours of the forest plot and the verdict cell
VERDICT_INK = {"helps": "#2e7d32", "hurts": "#c62828", "negligible": "#616161",
               "inconclusive": "#a86b00", "not": "#9e9e9e"}
FOREST_W, FOREST_H, FOREST_PAD = 220, 20, 8


def forest_range(intervals: Sequence[tuple[float, float, float]], smallest_effect: float
                 ) -> float:
    """The half-width R of a shared forest axis [-R, R] (fractions): every finite estimate and
    interval end, at least twice the smallest effect, rounded up to a whole or half point; an
    interval end beyond 3x the largest estimate (or the smallest effect) is clipped (arrowed)."""
    est = [abs(d) for d, _, _ in intervals if np.isfinite(d)]
    cap = 3 * max([*est, smallest_effect, 0.005])
    ends = [min(abs(e), cap) for _, lo, hi in intervals for e in (lo, hi) if np.isfinite(e)]
    r = max([*ends, *est, 2 * smallest_effect, 0.005])
    step = 0.005 if r <= 0.05 else 0.01
    return float(np.ceil(r / step - 1e-9) * step)


def _x(value: float, r: float) -> float:
    """A value (fraction) as an x pixel of the forest axis [-r, r]."""
    inner = FOREST_W - 2 * FOREST_PAD
    return FOREST_PAD + inner * (min(max(value, -r), r) + r) / (2 * r)


def _arrow(x: float, y: float, right: bool, ink: str) -> str:
    d = 5 if right else -5
    return (f'<polygon points="{x + d:.1f},{y:.1f} {x:.1f},{y - 4:.1f} {x:.1f},{y + 4:.1f}" '
            f'fill="{ink}"/>')


def forest_svg(d: float, ci: tuple[float, float], r: float, smallest_effect: float,
               verdict: str, title: str = "") -> str:
    """A small forest plot (inline SVG) of one effect: its estimate (dot) and interval (line) on
    the axis [-r, r] (fractions), against 0 (black line) and ± ``smallest_effect`` (the grey
    band: negligible). An interval end beyond the axis stops at it with an arrow head.
    ``verdict``'s first word picks the colour (:data:`VERDICT_INK`); ``title`` is the tooltip."""
    ink = VERDICT_INK.get(verdict.split()[0] if verdict else "", "#555")
    y, h = FOREST_H / 2, FOREST_H
    band = (_x(-smallest_effect, r), _x(smallest_effect, r))
    parts = [f'<svg class="forest" width="{FOREST_W}" '
             f'height="{h}" viewBox="0 0 {FOREST_W} {h}" role="img">',
             f"<title>{html.escape(title)}</title>" if title else "",
             f'<rect x="{band[0]:.1f}" y="0" width="{band[1] - band[0]:.1f}" height="{h}" '
             'fill="#e8e8e8"/>',
             f'<line x1="{_x(0, r):.1f}" y1="0" x2="{_x(0, r):.1f}" y2="{h}" stroke="#000" '
             'stroke-width="1"/>']
    lo, hi = ci
    if np.isfinite(d) and not (np.isnan(lo) or np.isnan(hi)):
        x0 = _x(lo if np.isfinite(lo) else -r, r)
        x1 = _x(hi if np.isfinite(hi) else r, r)
        parts.append(f'<line x1="{x0:.1f}" y1="{y}" x2="{x1:.1f}" y2="{y}" stroke="{ink}" '
                     'stroke-width="2"/>')
        if not (np.isfinite(lo) and lo >= -r):
            parts.append(_arrow(x0, y, False, ink))
        if not (np.isfinite(hi) and hi <= r):
            parts.append(_arrow(x1, y, True, ink))
    if np.isfinite(d):                  # no interval (NaN ends): the dot alone
        parts.append(f'<circle cx="{_x(d, r):.1f}" cy="{y}" r="4" fill="{ink}"/>')
    return "".join(parts) + "</svg>"


def forest_axis_svg(r: float, smallest_effect: float) -> str:
    """The forest column's header: tick labels at -r, -smallest effect, 0, +smallest effect, r
    (in pp), on the same pixels as :func:`forest_svg`."""
    kept: list[float] = []
    for t in (0.0, -r, r, -smallest_effect, smallest_effect):     # in priority order
        if all(abs(_x(t, r) - _x(k, r)) >= 20 for k in kept):
            kept.append(t)
    labels = "".join(
        f'<text x="{FOREST_W if t == r else _x(t, r):.1f}" y="11" font-size="10" '
        f'text-anchor="{"end" if t == r else "middle"}" fill="#333">'
        f'{"0" if t == 0 else f"{100 * t:+.3g}"}{" pp" if t == r else ""}</text>'
        for t in sorted(kept))
    return (f'<svg class="forest-axis" width="{FOREST_W}" '
            f'height="14" viewBox="0 0 {FOREST_W} 14" role="img"><title>Δ test accuracy, '
            f"percentage points; grey: within ±{100 * smallest_effect:g} pp (negligible)</title>"
            f"{labels}</svg>")


__all__ = [
    "CHART_COLORS",
    "CLIPPED",
    "FOREST_W",
    "PALETTE",
    "VERDICT_INK",
    "chart_png",
    "clip_limits",
    "color_of",
    "curve_matrix",
    "effects",
    "figure",
    "forest_axis_svg",
    "forest_range",
    "forest_svg",
    "interesting_range",
    "interval_bar",
    "learning_curves",
    "mean_curve",
    "multipliers",
    "overlay",
    "png_bytes",
    "png_data_uri",
]
