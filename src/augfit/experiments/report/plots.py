"""The report's figures, drawn with matplotlib's Agg backend and returned as PNG bytes.

Colours: one fixed colour per method (matplotlib's ``tab10``, readable on white and distinct for
colour-blind readers in its first entries), the same in every figure.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ...viz.figures import figure, png_bytes, png_data_uri

if TYPE_CHECKING:
    from .verdicts import Verdict

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")


def color_of(methods: Sequence[str]) -> dict[str, str]:
    """A fixed colour per method, in the spec's order."""
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(methods)}


def curve_matrix(histories: Sequence[dict[str, list[float]]], key: str) -> np.ndarray:
    """(runs, epochs) array of a per-epoch curve, NaN after a run stopped."""
    n = max(len(h[key]) for h in histories)
    arr = np.full((len(histories), n), np.nan)
    for i, h in enumerate(histories):
        arr[i, : len(h[key])] = h[key]
    return arr


def mean_curve(histories: Sequence[dict[str, list[float]]], key: str) -> np.ndarray:
    """Mean over runs of a per-epoch curve; runs that stopped early count only while they ran."""
    arr = curve_matrix(histories, key)
    counts = (~np.isnan(arr)).sum(axis=0)
    return np.nansum(arr, axis=0) / np.maximum(counts, 1)


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


def learning_curves(rows: Sequence[dict[str, Any]], method: str, train_sizes: Sequence[int],
                    color: str = PALETTE[0], xlabel: str = "epoch") -> bytes:
    """Accuracy (top) and loss (bottom) per epoch, one column per training size: clean train
    (solid) vs val (dashed), mean over cells with the min-max band over seeds and splits, and the
    median best epoch (dotted line)."""
    sizes = [n for n in train_sizes if any(r["method"] == method and r["train_size"] == n
                                           and r.get("history") for r in rows)]
    fig = figure((2.7 * max(len(sizes), 1) + 0.6, 4.6))
    axes = np.atleast_2d(fig.subplots(2, max(len(sizes), 1), squeeze=False))
    for col, size in enumerate(sizes):
        sel = [r for r in rows if r["method"] == method and r["train_size"] == size
               and r.get("history")]
        hs = [r["history"] for r in sel]
        best = np.median([r["best_epoch"] for r in sel if "best_epoch" in r] or [np.nan])
        for row_i, (what, acc) in enumerate((("accuracy", True), ("loss", False))):
            ax = axes[row_i, col]
            plotted = []
            for split, ls in (("train", "-"), ("val", "--")):
                key = f"{split}_{what}"
                if not all(key in h for h in hs):
                    continue
                arr = curve_matrix(hs, key)
                ep = np.arange(1, arr.shape[1] + 1)
                lo, hi = _band(arr)
                ax.fill_between(ep, lo, hi, color=color, alpha=0.15 if split == "train" else 0.25,
                                lw=0)
                ax.plot(ep, mean_curve(hs, key), color=color, ls=ls, lw=1.4, label=split)
                plotted.append(arr)
            if np.isfinite(best):
                ax.axvline(best, color="#444", ls=":", lw=1, label="best epoch (median)")
            if plotted:
                ax.set_ylim(*interesting_range(np.concatenate([a.ravel() for a in plotted]), acc))
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
            if row_i == 0:
                ax.set_title(f"n = {size}", fontsize=9)
            else:
                ax.set_xlabel(xlabel, fontsize=8)
            if col == 0:
                ax.set_ylabel(what, fontsize=8)
    if sizes:
        axes[0, 0].legend(fontsize=6, loc="lower right")
    fig.suptitle(f"{method}: clean train (solid) vs val (dashed); band = min-max over seeds "
                 "and splits", fontsize=9)
    return png_bytes(fig)


def overlay(rows: Sequence[dict[str, Any]], methods: Sequence[str], size: int,
            xlabel: str = "epoch") -> bytes:
    """Val accuracy and val loss per epoch of every method at one training size (means)."""
    colors = color_of(methods)
    fig = figure((9, 3.3))
    axes = fig.subplots(1, 2)
    for ax, (what, acc) in zip(axes, (("accuracy", True), ("loss", False)), strict=True):
        values = []
        for m in methods:
            hs = [r["history"] for r in rows if r["method"] == m and r["train_size"] == size
                  and r.get("history") and f"val_{what}" in r["history"]]
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
    axes[0].legend(fontsize=7, ncol=2, loc="lower right")
    return png_bytes(fig)


def effects(verdicts: Sequence[Verdict], methods: Sequence[str], baseline: str) -> bytes:
    """Δ test accuracy and Δ gap vs the baseline per method and training size, with the intervals
    the verdicts use (filled markers: detected; hollow: not detected)."""
    names = [m for m in methods if any(v.method == m for v in verdicts)]
    sizes = sorted({v.train_size for v in verdicts})
    fig = figure((10, 0.55 * max(len(names), 2) * max(1, len(sizes)) ** 0.5 + 1.6))
    axes = fig.subplots(1, 2, sharey=True)
    from matplotlib import colormaps

    shades = colormaps["viridis"](np.linspace(0, 0.8, max(len(sizes), 1)))
    off = np.linspace(-0.3, 0.3, len(sizes)) if len(sizes) > 1 else np.zeros(1)
    for ax, (title, val, ci, sig) in zip(axes, (
            (f"Δ test accuracy vs {baseline} (higher is better)", "d_test", "d_test_ci",
             lambda v: v.detected),
            (f"Δ gap vs {baseline} (lower: narrower gap)", "d_gap", "d_gap_ci",
             lambda v: v.gap_detected)), strict=True):
        for k, size in enumerate(sizes):
            for i, m in enumerate(names):
                v = next((v for v in verdicts if v.method == m and v.train_size == size), None)
                if v is None:
                    continue
                x, (lo, hi) = 100 * getattr(v, val), getattr(v, ci)
                ax.errorbar([x], [i + off[k]], xerr=[[x - 100 * lo], [100 * hi - x]], fmt="o",
                            color=shades[k], mfc=shades[k] if sig(v) else "white", capsize=2,
                            ms=5, lw=1.2, label=f"n = {size}" if i == 0 else None)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("percentage points", fontsize=8)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].set_yticks(range(len(names)), names)
    axes[0].invert_yaxis()
    axes[1].legend(fontsize=7, loc="best")
    return png_bytes(fig)


def multipliers(verdicts: Sequence[Verdict], methods: Sequence[str]) -> bytes:
    """The effective data multiplier n*/n per method against the training size (log-log); values
    beyond the grid are drawn at their bound with a triangle pointing the way they go. Vertical
    bars are the intervals (``Verdict.multiplier_ci``); an end beyond the grid stops at the
    grid's bound (largest size / n, smallest size / n). Methods are nudged apart along x."""
    colors = color_of(methods)
    fig = figure((6.4, 3.6))
    ax = fig.subplots()
    sizes = sorted({v.train_size for v in verdicts if v.train_size})
    for i, m in enumerate(methods):
        vs = sorted((v for v in verdicts if v.method == m and v.train_size),
                    key=lambda v: v.train_size)
        if not vs:
            continue
        nudge = 1.0 + 0.025 * (i - len(methods) / 2)
        for v in vs:
            lo, hi = v.multiplier_ci
            if not (np.isnan(lo) or np.isnan(hi)) and sizes:
                lo = max(lo, sizes[0] / v.train_size)
                hi = min(hi, sizes[-1] / v.train_size)
                ax.plot([v.train_size * nudge] * 2, [lo, hi], color=colors[m], lw=1.0,
                        alpha=0.6)
        xs, ys = [], []
        for v in vs:
            if np.isfinite(v.multiplier):
                xs.append(v.train_size * nudge)
                ys.append(v.multiplier)
            elif v.multiplier_text[:1] in "<>":
                bound = float(v.multiplier_text[1:].split("x")[0])
                ax.plot([v.train_size * nudge], [bound], marker="^" if v.multiplier_text[0] == ">"
                        else "v", color=colors[m], ms=7, ls="none")
        ax.plot(xs, ys, marker="o", color=colors[m], lw=1.4, label=m)
    ax.axhline(1, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    lo, hi = ax.get_ylim()
    ticks = [t for t in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16) if lo <= t <= hi] or [1]
    ax.set_yticks(ticks, [f"{t:g}x" for t in ticks])
    if sizes:
        ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_ylim(lo, hi)
    ax.set_xlabel("training-set size n", fontsize=8)
    ax.set_ylabel("worth x times the data (n*/n)", fontsize=8)
    ax.set_title("Effective data multiplier (1 = worth no extra data)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return png_bytes(fig)


__all__ = [
    "PALETTE",
    "color_of",
    "curve_matrix",
    "effects",
    "figure",
    "interesting_range",
    "learning_curves",
    "mean_curve",
    "multipliers",
    "overlay",
    "png_bytes",
    "png_data_uri",
]
