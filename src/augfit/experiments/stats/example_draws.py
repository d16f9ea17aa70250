"""The example level of the bootstrap, drawn once per test set and shared.

The example level applies only where one fixed test set is shared by every unit (a single split,
or ``test: official``), because there it is the only source of test-sample noise; with 2 or more
splits each drawing its own test set that noise is already in the between-split variation
(:mod:`.stats`). Every cell is scored on the test set (T examples), so the example level is one
multinomial draw of T examples per resample, used for the method and the baseline and for every
seed (and, with ``test: official``, every split: ``shared=True``). This module draws, for each
test set and each resample b = 0 .. B-1, the counts ``c_b`` (T integers summing to T: how often
each test example is drawn), and computes every cell's test metrics under each draw at once::

    accuracy_b = c_b . correct / T        loss_b = c_b . loss / T

as one matrix product per block of resamples, ``(blocks, T) @ (T, 2 x cells)``. A comparison then
only looks up the (B,) values of its units: no comparison touches the T examples again.

Why once per test set. The example draws come from a stream of their own per split,
``derive(seed, 0, 0, split)`` (split 0's for a shared official test set), and are shared by all
comparisons of a report instead of being drawn again for each (method, size). Each comparison's
bootstrap distribution has the law it would have with a draw of its own; only the Monte Carlo
noise is common to the comparisons, as the test set itself is. The cost is O(B x T) random draws
per test set for the whole report.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ...rng import derive
from .results import CellResult

CellId = tuple[str, int, int, int]          # (method, split, seed, train_size)
BLOCK = 300_000                             # examples drawn per block (stays in cache)


def cell_id(row: CellResult) -> CellId:
    """The identity of a stored row within one report."""
    return (row.method, row.split, row.seed, row.train_size)


def has_examples(row: CellResult) -> bool:
    """Does the row carry per-example test results?"""
    return row.test_correct is not None and row.test_loss_per_example is not None


@dataclass
class ExampleDraws:
    """Every cell's test accuracy and loss under each of ``resamples`` example draws.

    ``values[cell_id]`` is a (resamples, 2) array: column 0 the test accuracy, column 1 the mean
    test loss over the drawn examples; ``n_test[cell_id]`` the size of the test set it was scored
    on.
    """

    resamples: int
    seed: int
    values: dict[CellId, np.ndarray] = field(default_factory=dict)
    n_test: dict[CellId, int] = field(default_factory=dict)

    def __contains__(self, cid: object) -> bool:
        return cid in self.values


def pick_dtype(n_test: int) -> type[np.signedinteger]:
    """The integer type the picks are drawn in: the smallest that holds ``n_test`` (a smaller
    type takes fewer random bits per pick; the draws are uniform on 0 .. n_test - 1 either way)."""
    return np.int16 if n_test <= np.iinfo(np.int16).max else np.int32


def draw_counts(rng: np.random.Generator, resamples: int, n_test: int,
                block: int = BLOCK) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(start, counts)``: the multinomial counts (rows, n_test) of resamples
    ``start .. start + rows``, each drawn as ``n_test`` uniform picks, ``rows`` resamples at a time
    (one ``rng.integers`` call of shape (rows, n_test) with :func:`pick_dtype`)."""
    rows = max(1, block // max(n_test, 1))
    for start in range(0, resamples, rows):
        m = min(rows, resamples - start)
        pick = rng.integers(0, n_test, size=(m, n_test), dtype=pick_dtype(n_test)).astype(np.intp)
        pick += (np.arange(m) * n_test)[:, None]
        yield start, np.bincount(pick.ravel(), minlength=m * n_test).reshape(m, n_test)


def example_draws(rows: Sequence[CellResult], resamples: int, seed: int,
                  block: int = BLOCK, shared: bool = False) -> ExampleDraws:
    """Draw the example level once per split and score every row with per-example results.

    Rows of one split whose test sets differ in size (they cannot be paired) are scored under
    their own draws, from the same per-split stream. ``shared``: every split was scored on the
    same test set (``test: official``), so every split takes split 0's stream (the same picks).
    """
    out = ExampleDraws(resamples, seed)
    groups: dict[tuple[int, int], list[tuple[CellId, np.ndarray, np.ndarray]]] = {}
    for r in rows:
        if r.test_correct is not None and r.test_loss_per_example is not None:
            t = len(r.test_correct)
            if t > 0 and len(r.test_loss_per_example) == t:
                groups.setdefault((r.split, t), []).append(
                    (cell_id(r), r.test_correct, r.test_loss_per_example))
    for (split, t), group in sorted(groups.items(), key=lambda kv: kv[0]):
        y = np.empty((t, 2 * len(group)))
        for i, (_, correct, losses) in enumerate(group):
            y[:, 2 * i] = np.asarray(correct, float)
            y[:, 2 * i + 1] = np.asarray(losses, float)
        z = np.empty((resamples, 2 * len(group)))
        # one BLAS thread: on a busy machine a threaded BLAS waiting for its threads was 5x
        # slower in wall time than one thread
        with threadpool_limits(limits=1):
            stream = derive(seed, 0, 0, 0 if shared else split)
            for start, counts in draw_counts(stream, resamples, t, block):
                z[start:start + len(counts)] = counts.astype(float) @ y
        z /= t
        for i, (cid, _, _) in enumerate(group):
            out.values[cid] = z[:, 2 * i:2 * i + 2].copy()
            out.n_test[cid] = t
    return out


__all__ = ["CellId", "ExampleDraws", "cell_id", "draw_counts", "example_draws", "has_examples",
           "pick_dtype"]
