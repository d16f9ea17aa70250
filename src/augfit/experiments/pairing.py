"""The paired data of one comparison: the eight per-unit columns and the (split, seed) grid of
units present for both a method and the baseline (the overview is in :mod:`.stats`)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .example_draws import ExampleDraws, cell_id

# the eight per-unit columns every statistic is computed from
COLUMNS = ("base_test_accuracy", "method_test_accuracy", "base_train_accuracy",
           "method_train_accuracy", "base_test_loss", "method_test_loss", "base_train_loss",
           "method_train_loss")
BT, MT, BR, MR, BL, ML, BRL, MRL = range(8)
TEST_COLUMNS = (BT, MT, BL, ML)          # recomputed from per-example results when available


@dataclass
class Units:
    """The paired units of one comparison, padded to a (split, seed) grid.

    ``x`` (S, N, 8) holds the :data:`COLUMNS` of each unit, ``valid`` (S, N) marks real units (the
    units of a split come first), ``examples`` (S, T, N, 4) the per-example test results
    (columns base correct, method correct, base loss, method loss; zero-padded) or None, and
    ``n_test`` (S,) the test-set size of each split. ``test`` (B, S, N, 4), when set instead of
    ``examples``, holds the same four columns of each unit already resampled at the example
    level, under example draw b of its split (:mod:`.example_draws`).
    """

    x: np.ndarray
    valid: np.ndarray
    splits: list[int]
    examples: np.ndarray | None = None
    n_test: np.ndarray | None = None
    test: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return int(self.valid.sum())

    @property
    def example_level(self) -> bool:
        return self.examples is not None or self.test is not None


def _split(row: Mapping[str, Any]) -> int:
    return int(row.get("split", 0))          # rows from before the split axis: one split, 0


def _train(row: Mapping[str, Any], metric: str) -> float:
    return float(row[f"train_{metric}"])


def paired_units(rows: Sequence[Mapping[str, Any]], baseline: str, method: str,
                 train_size: int, draws: ExampleDraws | None = None) -> Units:
    """The (split, seed) pairs present for both ``method`` and ``baseline`` at ``train_size``.

    Rows may carry ``test_correct`` and ``test_loss_per_example`` arrays (aligned between the method
    and the baseline of a pair); they are used only when every row of the comparison has them and
    the arrays of a split have one length. With ``draws`` (the report's shared example draws),
    the units get their resampled test metrics from it (``Units.test``); without, the
    per-example arrays themselves (``Units.examples``), drawn again for each comparison.
    """
    def table(name: str) -> dict[tuple[int, int], Mapping[str, Any]]:
        return {(_split(r), int(r["seed"])): r for r in rows
                if r["method"] == name and r["train_size"] == train_size}

    b, m = table(baseline), table(method)
    keys = sorted(set(b) & set(m))
    splits = sorted({k[0] for k in keys})
    per = {s: [k for k in keys if k[0] == s] for s in splits}
    n_max = max((len(v) for v in per.values()), default=0)
    x = np.zeros((len(splits), n_max, len(COLUMNS)))
    valid = np.zeros((len(splits), n_max), bool)
    for i, s in enumerate(splits):
        for j, k in enumerate(per[s]):
            rb, rm = b[k], m[k]
            x[i, j] = (rb["test_accuracy"], rm["test_accuracy"], _train(rb, "accuracy"),
                       _train(rm, "accuracy"), rb["test_loss"], rm["test_loss"],
                       _train(rb, "loss"), _train(rm, "loss"))
            valid[i, j] = True
    units = Units(x, valid, splits)
    have = [b[k].get("test_correct") is not None and m[k].get("test_correct") is not None
            and b[k].get("test_loss_per_example") is not None
            and m[k].get("test_loss_per_example") is not None for k in keys]
    if keys and all(have):
        lengths = {s: {len(b[k]["test_correct"]) for k in per[s]} |
                   {len(m[k]["test_correct"]) for k in per[s]} for s in splits}
        if all(len(v) == 1 for v in lengths.values()):
            n_test = np.array([next(iter(lengths[s])) for s in splits])
            if draws is not None and all(cell_id(r[k]) in draws for r in (b, m) for k in keys):
                units.test = _shared_test(draws, b, m, per, splits, n_max)
                units.n_test = n_test
                return units
            ex = np.zeros((len(splits), int(n_test.max()), n_max, 4))
            for i, s in enumerate(splits):
                for j, k in enumerate(per[s]):
                    t = n_test[i]
                    ex[i, :t, j, 0] = np.asarray(b[k]["test_correct"], float)
                    ex[i, :t, j, 1] = np.asarray(m[k]["test_correct"], float)
                    ex[i, :t, j, 2] = np.asarray(b[k]["test_loss_per_example"], float)
                    ex[i, :t, j, 3] = np.asarray(m[k]["test_loss_per_example"], float)
            units.examples, units.n_test = ex, n_test
    return units


def _shared_test(draws: ExampleDraws, b: Mapping[tuple[int, int], Mapping[str, Any]],
                 m: Mapping[tuple[int, int], Mapping[str, Any]],
                 per: Mapping[int, list[tuple[int, int]]], splits: list[int],
                 n_max: int) -> np.ndarray:
    """(B, S, N, 4): base/method test accuracy and loss of each unit under each example draw."""
    out = np.zeros((draws.resamples, len(splits), n_max, 4))
    for i, s in enumerate(splits):
        for j, k in enumerate(per[s]):
            vb, vm = draws.values[cell_id(b[k])], draws.values[cell_id(m[k])]
            out[:, i, j, 0], out[:, i, j, 1] = vb[:, 0], vm[:, 0]
            out[:, i, j, 2], out[:, i, j, 3] = vb[:, 1], vm[:, 1]
    return out
