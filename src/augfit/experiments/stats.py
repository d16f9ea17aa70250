"""Paired comparisons against the baseline, with bootstrap confidence intervals.

Each method is paired with the baseline cell of the same seed and training size (same data
subsample, same initial weights), so the differences remove the seed-to-seed noise both share:

* ``d_test_accuracy`` = mean over pairs of (method - baseline) test accuracy;
* ``d_gap`` = mean over pairs of (method - baseline) generalization gap (clean train - test
  accuracy of the final model);
* ``reduction`` = (mean gap_baseline - mean gap_method) / mean gap_baseline, the share of the
  baseline's overfitting that the method removes (undefined, NaN, when the baseline gap <= 0).

Intervals are percentile bootstrap intervals over the pairs: the same resampled pair indices are
used for the three statistics, drawn from a Generator derived from (bootstrap seed, method index,
size index), so the numbers do not depend on the order in which they are computed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError
from ..rng import derive

GAP = "gap_accuracy"
ACC = "test_accuracy"


@dataclass(frozen=True)
class Comparison:
    """One method vs the baseline over the pairs of one training size (``train_size=None``: all)."""

    method: str
    train_size: int | None
    n_pairs: int
    test_accuracy: float            # mean of the method
    baseline_test_accuracy: float
    gap: float                      # mean generalization gap (train - test accuracy) of the method
    baseline_gap: float
    d_test_accuracy: float
    d_test_accuracy_ci: tuple[float, float]
    d_gap: float
    d_gap_ci: tuple[float, float]
    reduction: float
    reduction_ci: tuple[float, float]
    win_rate: float                 # share of pairs where the method's test accuracy is higher

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pair(rows: Sequence[dict[str, Any]], baseline: str, method: str,
         train_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Aligned ``(baseline, method)`` arrays of shape (n_pairs, 2): columns test accuracy, gap.

    Pairs are the (split, seed, train_size) keys present for both; sorted by (train_size, split,
    seed).
    """
    def table(name: str) -> dict[tuple[int, int, int], tuple[float, float]]:
        return {(r["train_size"], r.get("split", 0), r["seed"]): (r[ACC], r[GAP]) for r in rows
                if r["method"] == name and (train_size is None or r["train_size"] == train_size)}

    b, m = table(baseline), table(method)
    keys = sorted(set(b) & set(m))
    shape = (len(keys), 2)
    return (np.array([b[k] for k in keys], float).reshape(shape),
            np.array([m[k] for k in keys], float).reshape(shape))


def bootstrap_indices(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``(resamples, n)`` indices drawn with replacement."""
    return rng.integers(0, n, size=(resamples, n))


def percentile_ci(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of bootstrap ``samples``; NaN if any sample is NaN (undefined stat)."""
    if samples.size == 0 or np.isnan(samples).any():
        return (float("nan"), float("nan"))
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(samples, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


def reduction(gap_base: np.ndarray, gap_method: np.ndarray) -> np.ndarray:
    """(mean gap_base - mean gap_method) / mean gap_base along the last axis; NaN where the
    baseline's mean gap is <= 0 (nothing to reduce)."""
    gb, gm = gap_base.mean(axis=-1), gap_method.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(gb > 0, (gb - gm) / np.where(gb > 0, gb, 1.0), np.nan)
    return out


def compare_pair(base: np.ndarray, meth: np.ndarray, method: str, train_size: int | None,
                 rng: np.random.Generator, resamples: int = 10000,
                 confidence: float = 0.95) -> Comparison:
    """Statistics for aligned pair arrays from :func:`pair`."""
    n = base.shape[0]
    if n == 0:
        raise ConfigError(f"method {method!r} has no cell paired with the baseline "
                          f"(train_size={train_size}); run the grid before comparing")
    d = meth - base
    idx = bootstrap_indices(n, resamples, rng)
    boot_d = d[idx].mean(axis=1)                            # (resamples, 2)
    boot_red = reduction(base[idx, 1], meth[idx, 1])
    return Comparison(
        method=method, train_size=train_size, n_pairs=n,
        test_accuracy=float(meth[:, 0].mean()), baseline_test_accuracy=float(base[:, 0].mean()),
        gap=float(meth[:, 1].mean()), baseline_gap=float(base[:, 1].mean()),
        d_test_accuracy=float(d[:, 0].mean()),
        d_test_accuracy_ci=percentile_ci(boot_d[:, 0], confidence),
        d_gap=float(d[:, 1].mean()), d_gap_ci=percentile_ci(boot_d[:, 1], confidence),
        reduction=float(reduction(base[:, 1], meth[:, 1])),
        reduction_ci=percentile_ci(boot_red, confidence),
        win_rate=float((d[:, 0] > 0).mean()),
    )


def compare(rows: Sequence[dict[str, Any]], methods: Sequence[str], baseline: str,
            train_sizes: Sequence[int], resamples: int = 10000, seed: int = 0,
            confidence: float = 0.95) -> list[Comparison]:
    """Every non-baseline method vs ``baseline``: pooled over sizes, then per training size.

    ``rows`` are flat result dicts with ``method``, ``seed``, ``train_size``, ``test_accuracy`` and
    ``gap_accuracy``. Methods or sizes without any pair are skipped (e.g. a partial run).
    """
    out = []
    for mi, method in enumerate(methods):
        if method == baseline:
            continue
        for si, size in enumerate([None, *train_sizes]):
            base, meth = pair(rows, baseline, method, size)
            if base.shape[0] == 0:
                continue
            out.append(compare_pair(base, meth, method, size, derive(seed, mi, si),
                                    resamples, confidence))
    return out


def summarize(rows: Sequence[dict[str, Any]], methods: Sequence[str],
              train_sizes: Sequence[int]) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds of the main metrics, per method and training size."""
    keys = ("train_accuracy", "val_accuracy", ACC, GAP, "val_gap_accuracy_best",
            "val_gap_accuracy_area", "epochs_run", "wall_time")
    out = []
    for method in methods:
        for size in train_sizes:
            sel = [r for r in rows if r["method"] == method and r["train_size"] == size]
            if not sel:
                continue
            entry: dict[str, Any] = {"method": method, "train_size": size, "n": len(sel)}
            for k in keys:
                v = np.array([r[k] for r in sel], float)
                entry[k] = float(v.mean())
                entry[k + "_sd"] = float(v.std(ddof=1)) if len(v) > 1 else 0.0
            out.append(entry)
    return out


__all__ = ["Comparison", "pair", "compare", "compare_pair", "summarize", "reduction",
           "percentile_ci", "bootstrap_indices"]
