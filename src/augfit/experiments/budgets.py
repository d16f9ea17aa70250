"""Training budgets in a report: what each cell's budget was (:func:`budget_text`), whether a
method was still training when the budget ran out (:func:`under_trained_warnings`), and where the
methods' best epochs fell (:func:`best_epoch_table`). STATISTICS.md §6, fair training budgets."""
from __future__ import annotations

from typing import Any


def _share(x: float) -> str:
    return f"{100 * x:g}%"


def budget_text(training: dict[str, Any]) -> str:
    """The budget as the report's intro says it, e.g. ``"4000 optimizer steps (the same at every
    training size), cosine decay (warmup 5% of the budget, down to 0% of lr)"``.

    >>> budget_text({"epochs": 100})
    'up to 100 epochs'
    >>> budget_text({"steps": 2000, "schedule": {"type": "step", "every": 500, "factor": 0.5},
    ...              "averaging": {"type": "ema", "decay": 0.99}}).split(", ")
    ['2000 optimizer steps (the same at every training size)', 'lr x 0.5 every 500 steps', \
'final weights an EMA (decay 0.99)']
    """
    parts = [f"{training['steps']} optimizer steps (the same at every training size)"
             if "steps" in training else f"up to {training['epochs']} epochs"]
    s = training.get("schedule")
    if s and s["type"] == "cosine":
        parts.append(f"cosine decay (warmup {_share(s['warmup'])} of the budget, down to "
                     f"{_share(s['final'])} of lr)")
    elif s and s["type"] == "step":
        parts.append(f"lr x {s['factor']:g} every {s['every']} steps")
    elif s:
        parts.append(f"lr x {s['factor']:g} after {s['patience']} epochs without improvement "
                     f"of {s['monitor']}")
    a = training.get("averaging")
    if a and a["type"] == "ema":
        parts.append(f"final weights an EMA (decay {a['decay']:g})")
    elif a:
        parts.append(f"final weights the mean of the epochs after {_share(a['start'])} of the "
                     "budget (SWA)")
    return ", ".join(parts)


__all__ = ["budget_text"]
