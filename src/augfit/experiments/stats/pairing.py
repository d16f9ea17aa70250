"""The paired data of one comparison: the eight per-unit columns and the (split, seed) grid of
units present for both a method and the baseline (the overview is in :mod:`.stats`)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .example_draws import ExampleDraws, cell_id
from .results import CellResult

# the eight per-unit columns every statistic is computed from
COLUMNS = ("base_test_accuracy", "method_test_accuracy", "base_train_accuracy",
           "method_train_accuracy", "base_test_loss", "method_test_loss", "base_train_loss",
           "method_train_loss")
BT, MT, BR, MR, BL, ML, BRL, MRL = range(8)
TEST_COLUMNS = (BT, MT, BL, ML)          # resampled at the example level where that applies


@dataclass
class Units:
    """The paired units of one comparison, padded to a (split, seed) grid.

    ``x`` (S, N, 8) holds the :data:`COLUMNS` of each unit, ``valid`` (S, N) marks real units (the
    units of a split come first). ``test`` (B, S, N, 4), set only where the example level applies
    (one test set shared by every unit, see :mod:`.stats`), holds the base/method test accuracy
    and loss of each unit under example draw b (:mod:`.example_draws`); ``n_test`` (S,) the
    test-set size of each split then.
    """

    x: np.ndarray
    valid: np.ndarray
    splits: list[int]
    n_test: np.ndarray | None = None
    test: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return int(self.valid.sum())

    @property
    def example_level(self) -> bool:
        return self.test is not None


def paired_units(rows: Sequence[CellResult], baseline: str, method: str,
                 train_size: int, draws: ExampleDraws | None = None) -> Units:
    """The (split, seed) pairs present for both ``method`` and ``baseline`` at ``train_size``.

    With ``draws`` (the study's example draws, :mod:`.example_draws`; given only where the
    example level applies) and every cell of the comparison scored in them, the units get their
    resampled test metrics from it (``Units.test``); otherwise none.
    """
    def table(name: str) -> dict[tuple[int, int], CellResult]:
        return {(r.split, r.seed): r for r in rows
                if r.method == name and r.train_size == train_size}

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
            x[i, j] = (rb.test_accuracy, rm.test_accuracy, rb.train_accuracy, rm.train_accuracy,
                       rb.test_loss, rm.test_loss, rb.train_loss, rm.train_loss)
            valid[i, j] = True
    units = Units(x, valid, splits)
    if keys and draws is not None and _scored(draws, b, m, per):
        units.test = _shared_test(draws, b, m, per, splits, n_max)
        units.n_test = np.array([draws.n_test[cell_id(b[per[s][0]])] for s in splits])
    return units


def _scored(draws: ExampleDraws, b: Mapping[tuple[int, int], CellResult],
            m: Mapping[tuple[int, int], CellResult],
            per: Mapping[int, list[tuple[int, int]]]) -> bool:
    """Is every cell in ``draws``, with one test-set size per split (method and baseline
    scored on the same examples)?"""
    ids = {s: [cell_id(r[k]) for r in (b, m) for k in keys] for s, keys in per.items()}
    return all(c in draws for v in ids.values() for c in v) and all(
        len({draws.n_test[c] for c in v}) == 1 for v in ids.values())


def _shared_test(draws: ExampleDraws, b: Mapping[tuple[int, int], CellResult],
                 m: Mapping[tuple[int, int], CellResult],
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
