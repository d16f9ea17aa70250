"""Is the training budget enough? The "under-trained at the cap" check (STATISTICS.md §6).

A method is under-trained at the cap when, over the cells that ran their whole budget, its val
accuracy is still rising over the last 10% of the budget (the mean over the last 10% of epochs
exceeds the mean over the 10% before by more than ``TOLERANCE``, in most cells), or when its
clean train accuracy is below 99% while the baseline's is 100%. This is not underfitting (a model
that cannot fit): it says the comparison would change with more steps.

>>> still_rising([0.5, 0.6, 0.7, 0.8, 0.85, 0.88, 0.9, 0.91, 0.93, 0.95])
True
>>> still_rising([0.5, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])
False
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..stats import CellResult

TAIL = 0.1               # the last 10% of the budget
TOLERANCE = 0.0025       # val accuracy rising by more than 0.25 pp counts
TRAIN_FLOOR = 0.99       # clean train accuracy below this while the baseline's is 100%


def still_rising(val_accuracy: Sequence[float], tail: float = TAIL,
                 tolerance: float = TOLERANCE) -> bool:
    """True when the mean val accuracy over the last ``tail`` of the epochs exceeds the mean over
    the ``tail`` before it by more than ``tolerance``."""
    v = np.asarray(val_accuracy, float)
    k = max(round(tail * len(v)), 1)
    if len(v) < 2 * k:
        return False
    return bool(v[-k:].mean() - v[-2 * k:-k].mean() > tolerance)


def under_trained(rows: Sequence[CellResult], baseline: str) -> dict[str, str]:
    """``{method: why}`` for the methods under-trained at the cap in ``rows`` (stored cells with
    their ``history``); cells stopped early (``stopped_early``) are not judged on the curve."""
    by: dict[str, list[CellResult]] = {}
    for r in rows:
        by.setdefault(r.method, []).append(r)
    base = by.get(baseline, [])
    base_train = float(np.mean([r.train_accuracy for r in base])) if base else float("nan")
    out: dict[str, str] = {}
    for method, cells in by.items():
        full = [r for r in cells if not r.stopped_early]
        rising = [still_rising(r.history["val_accuracy"]) for r in full
                  if r.history.get("val_accuracy")]
        train = float(np.mean([r.train_accuracy for r in cells]))
        if rising and np.mean(rising) > 0.5:
            out[method] = (f"val accuracy still rising over the last {TAIL:.0%} of the budget in "
                           f"{sum(rising)} of {len(rising)} cells")
        elif method != baseline and base_train >= 0.9995 and train < TRAIN_FLOOR:
            out[method] = (f"clean train accuracy {100 * train:.1f}% while {baseline}'s is "
                           "100%")
    return out


__all__ = ["TAIL", "TOLERANCE", "TRAIN_FLOOR", "still_rising", "under_trained"]
