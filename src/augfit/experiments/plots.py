"""The report's figures, drawn with matplotlib's Agg backend and returned as PNG bytes."""
from __future__ import annotations

import base64
import io
from typing import Any, Sequence

import numpy as np

from .stats import Comparison


def figure(figsize: tuple[float, float]) -> Any:
    """A new matplotlib Figure, drawn by the Agg canvas: no pyplot, no global backend change."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        from ..errors import MissingResourceError

        raise MissingResourceError("reports and previews draw with matplotlib: pip install "
                                   "'augfit[report]' (the finished cells are saved; then run "
                                   "`augfit report DIR`)") from None
    return Figure(figsize=figsize)


def png_bytes(fig: Any, dpi: int = 90) -> bytes:
    """The figure as PNG bytes (no timestamp or software metadata, so output is reproducible)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def png_data_uri(png: bytes) -> str:
    """A ``data:`` URI embedding PNG bytes in HTML."""
    return "data:image/png;base64," + base64.b64encode(png).decode()


def mean_curve(histories: Sequence[dict[str, list[float]]], key: str) -> np.ndarray:
    """Mean over runs of a per-epoch curve; runs that stopped early count only while they ran."""
    n = max(len(h[key]) for h in histories)
    arr = np.full((len(histories), n), np.nan)
    for i, h in enumerate(histories):
        arr[i, : len(h[key])] = h[key]
    counts = (~np.isnan(arr)).sum(axis=0)
    return np.nansum(arr, axis=0) / np.maximum(counts, 1)


def learning_curves(rows: Sequence[dict[str, Any]], method: str,
                    train_sizes: Sequence[int]) -> bytes:
    """Train (clean, eval mode) and validation accuracy per epoch, mean over seeds, per size."""
    from matplotlib import colormaps

    fig = figure((5.2, 3.4))
    ax = fig.subplots()
    colors = colormaps["viridis"](np.linspace(0, 0.85, max(len(train_sizes), 1)))
    for color, size in zip(colors, train_sizes):
        hs = [r["history"] for r in rows if r["method"] == method and r["train_size"] == size]
        if not hs:
            continue
        ep = np.arange(1, max(len(h["val_accuracy"]) for h in hs) + 1)
        ax.plot(ep, mean_curve(hs, "train_accuracy"), color=color, lw=1.4, label=f"train n={size}")
        ax.plot(ep, mean_curve(hs, "val_accuracy"), color=color, lw=1.4, ls="--",
                label=f"val n={size}")
    ax.set_title(f"{method}: accuracy per epoch (mean over seeds)", fontsize=10)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    return png_bytes(fig)


def gap_by_size(summary: Sequence[dict[str, Any]], methods: Sequence[str]) -> bytes:
    """Mean final generalization gap (train - val accuracy) against the training-set size."""
    fig = figure((6.4, 3.8))
    ax = fig.subplots()
    for method in methods:
        pts = sorted((s["train_size"], s["gap_accuracy"]) for s in summary if s["method"] == method)
        if pts:
            x, y = zip(*pts)
            ax.plot(x, y, marker="o", lw=1.4, label=method)
    sizes = sorted({s["train_size"] for s in summary})
    ax.set_xscale("log")
    ax.set_xticks(sizes, [str(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlabel("training-set size")
    ax.set_ylabel("gap (train - val accuracy)")
    ax.set_title("Generalization gap by training size", fontsize=10)
    ax.axhline(0, color="black", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    return png_bytes(fig)


def difference_bars(comparisons: Sequence[Comparison], baseline: str) -> bytes:
    """Paired differences vs the baseline (pooled over sizes) with their bootstrap intervals."""
    pooled = [c for c in comparisons if c.train_size is None]
    fig = figure((9, 0.45 * max(len(pooled), 2) + 1.4))
    axes = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(pooled))
    for ax, attr, title, sign in ((axes[0], "d_test_accuracy", f"test accuracy - {baseline}", 1),
                                  (axes[1], "d_gap", f"gap - {baseline} (lower is better)", -1)):
        mean = 100 * np.array([getattr(c, attr) for c in pooled])          # percentage points
        ci = 100 * np.array([getattr(c, attr + "_ci") for c in pooled]).reshape(-1, 2)
        err = np.abs(np.vstack([mean - ci[:, 0], ci[:, 1] - mean]))
        # blue: better than the baseline, red: worse
        ax.barh(y, mean, xerr=err, color=np.where(sign * mean >= 0, "#4c72b0", "#c44e52"),
                capsize=3, alpha=0.85)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(title + " (95% CI)", fontsize=10)
        ax.set_xlabel("percentage points")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(y, [c.method for c in pooled])
    axes[0].invert_yaxis()
    return png_bytes(fig)


__all__ = ["learning_curves", "gap_by_size", "difference_bars", "mean_curve", "figure", "png_bytes",
           "png_data_uri"]
