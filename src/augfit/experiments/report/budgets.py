"""Training budgets in a report: what each cell's budget was (:func:`budget_text`), whether a
method was still training when the budget ran out (:func:`under_trained_warnings`), and where the
methods' best epochs fell (:func:`best_epoch_table`). STATISTICS.md §6, fair training budgets."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...jsontypes import JSONValue
from ..run import still_rising, under_trained
from ..spec import TrainingSection
from ..stats import CellResult


def _share(x: JSONValue) -> str:
    """A fraction of a checked schedule or averaging config as a percentage."""
    if not isinstance(x, (int, float)):
        raise TypeError(f"expected a fraction, got {x!r}")
    return f"{100 * x:g}%"


def budget_text(training: TrainingSection) -> str:
    """The budget as the report's intro says it, e.g. ``"4000 optimizer steps (the same at every
    training size), cosine decay (warmup 5% of the budget, down to 0% of lr)"``.

    >>> budget_text({"epochs": 100})
    'up to 100 epochs, val and the clean training subsample evaluated after every epoch'
    >>> for part in budget_text({"steps": 2000, "eval_every": 20, "averaging": {"type": "ema",
    ...         "decay": 0.99}, "schedule": {"type": "step", "every": 500, "factor": 0.5}}
    ...         ).split(", "):
    ...     print(part)
    2000 optimizer steps (the same at every training size)
    lr x 0.5 every 500 steps
    val and the clean training subsample evaluated every 20 optimizer steps (the curves' epochs)
    final weights an EMA (decay 0.99)
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
    k = training.get("eval_every")
    parts.append(f"val and the clean training subsample evaluated every {k} optimizer steps (the "
                 "curves' epochs)" if k else
                 "val and the clean training subsample evaluated after every epoch")
    a = training.get("averaging")
    if a and a["type"] == "ema":
        parts.append(f"final weights an EMA (decay {a['decay']:g})")
    elif a:
        parts.append(f"final weights the mean of the epochs after {_share(a['start'])} of the "
                     "budget (SWA)")
    return ", ".join(parts)


def epoch_label(training: TrainingSection) -> str:
    """The curves' x axis: ``"epoch"``, or ``"evaluation (every k steps)"`` with eval_every.

    >>> epoch_label({"steps": 1500, "eval_every": 30})
    'evaluation (every 30 steps)'
    """
    k = training.get("eval_every")
    return f"evaluation (every {k} steps)" if k else "epoch"


def _by_cell(rows: Sequence[CellResult]) -> dict[tuple[str, int], list[CellResult]]:
    out: dict[tuple[str, int], list[CellResult]] = {}
    for r in rows:
        if not r.diverged:
            out.setdefault((r.method, r.train_size), []).append(r)
    return out


def _rising(row: CellResult) -> bool:
    return still_rising(row.history.get("val_accuracy") or [])


def under_trained_warnings(rows: Sequence[CellResult], baseline: str) -> list[str]:
    """The warning "under-trained at the cap" (STATISTICS.md §6), one entry for every method and
    size that :func:`augfit.experiments.run.budget_check.under_trained` (the one definition, which
    ``augfit plan`` uses too) finds under-trained among the cells of that size: val accuracy still
    rising over the last 10% of the budget in most cells that ran it all, or clean train accuracy
    below 99% while the baseline's is 100%.

    It is not underfitting: the method may fit the training data given more steps, and its
    comparisons say what it does within this budget, not what it can do. Rows without a per-epoch
    ``history`` (not from stored cells) are not judged.
    """
    groups = _by_cell([r for r in rows if r.history])
    found = []
    for n in sorted({n for _, n in groups}):
        at_n = [r for (m, size), cells in groups.items() if size == n for r in cells]
        for method, why in sorted(under_trained(at_n, baseline).items()):
            found.append(f"{method} at n = {n} ({why})")
    if not found:
        return []
    shown = found[:8] + ([f"and {len(found) - 8} more"] if len(found) > 8 else [])
    return ["Under-trained at the cap (not underfitting: these methods were still learning when "
            "the budget ran out, so their comparisons say what they do within this budget): "
            + "; ".join(shown) + ". Raise training.steps (or epochs), or decay the learning rate "
            "(training.schedule)."]


BEST_EPOCHS_TITLE = "Best epochs and the training budget"
BEST_EPOCHS_NOTE = ("Best epoch (1-based): early stopping's choice, else the epoch of the lowest "
                    "val loss; an epoch is training.eval_every optimizer steps when the spec sets "
                    "it. Val acc still rising: units that ran their whole budget whose mean val "
                    "accuracy over the last 10% of it beat the 10% before by more than 0.25 pp "
                    "(the under-trained warning needs most of them).")


def best_epoch_table(rows: Sequence[CellResult], methods: Sequence[str],
                     sizes: Sequence[int]) -> list[list[str]]:
    """Header + one row per (method, size): the best epoch's median and range over the units,
    the epochs run, and the share of units still improving at the end of the budget."""
    groups = _by_cell(rows)
    out = [["method", "n", "units", "best epoch: median [min, max]", "epochs run: median",
            "val acc still rising at the end"]]
    for m in methods:
        for n in sizes:
            cells = groups.get((m, n), [])
            if not cells:
                continue
            best = np.array([float(r.best_epoch) for r in cells])
            run = np.array([float(r.epochs_run) for r in cells])
            full = [r for r in cells if r.history and not r.stopped_early]
            rising = sum(_rising(r) for r in full)
            out.append([m, str(n), str(len(cells)),
                        f"{np.median(best):g} [{best.min():g}, {best.max():g}]",
                        f"{np.median(run):g}", f"{rising} of {len(full)}" if full else "n/a"])
    return out


__all__ = [
    "BEST_EPOCHS_NOTE",
    "BEST_EPOCHS_TITLE",
    "best_epoch_table",
    "budget_text",
    "epoch_label",
    "under_trained_warnings",
]
