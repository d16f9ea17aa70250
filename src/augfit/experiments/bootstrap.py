"""The hierarchical bootstrap: one set of resampling indices over splits, seeds and test
examples, and the resampled and leave-one-out means computed from it for all resamples at once
(the procedure is described in :mod:`.stats`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pairing import TEST_COLUMNS


@dataclass
class Draws:
    """One set of hierarchical resampling indices, reusable for any data of the same layout."""

    split: np.ndarray                    # (B, S) drawn split per position
    seed: np.ndarray                     # (B, S, N) drawn unit within that split
    keep: np.ndarray                     # (B, S, N) positions that count (split's unit count)
    weights: np.ndarray | None = None    # (B, S, T) example counts / n_test of each split


def draw(valid: np.ndarray, resamples: int, rng: np.random.Generator,
         n_test: np.ndarray | None = None) -> Draws:
    """Indices of ``resamples`` hierarchical resamples of a (S, N) unit layout (see module doc)."""
    s, n = valid.shape
    counts = valid.sum(axis=1)
    split = rng.integers(0, s, size=(resamples, s))
    c = counts[split]                                                       # (B, S)
    seed = np.minimum((rng.random((resamples, s, n)) * c[..., None]).astype(np.intp),
                      np.maximum(c[..., None] - 1, 0))
    keep = np.arange(n) < c[..., None]
    weights = None
    if n_test is not None:
        t = int(n_test.max())
        # multinomial counts of each split's own n_test examples, one draw per (resample, split)
        pick = (rng.random((resamples, s, t)) * n_test[None, :, None]).astype(np.intp)
        real = np.arange(t) < n_test[:, None]                               # (S, T)
        flat = (np.arange(resamples * s).reshape(resamples, s, 1) * t + pick)[:, real]
        weights = np.bincount(flat.ravel(), minlength=resamples * s * t).reshape(resamples, s, t)
        weights = weights / n_test[None, :, None]
    return Draws(split, seed, keep, weights)


def unit_counts(d: Draws) -> np.ndarray:
    """How many times each unit is drawn in each resample: (B, S, N)."""
    b, s, n = d.seed.shape
    flat = (np.arange(b)[:, None, None] * s + d.split[..., None]) * n + d.seed
    return np.bincount(flat[d.keep], minlength=b * s * n).reshape(b, s, n).astype(float)


def resampled_means(x: np.ndarray, d: Draws, examples: np.ndarray | None = None,
                    test: np.ndarray | None = None) -> np.ndarray:
    """Means of the columns over each resample: (E, B, K) for ``x`` of shape (E, S, N, K).

    ``examples`` (E, S, T, N, 4), if given, replaces the :data:`TEST_COLUMNS` of each drawn unit
    by their values under the example draw ``d.weights``. ``test`` (E, B, S, N, 4), if given
    instead, holds those values already (one example draw per resample and split, see
    :mod:`.example_draws`). Computed as matrix products of the draw counts with the data, for all
    resamples at once.
    """
    e, s, n, k = x.shape
    counts = unit_counts(d)                                                 # (B, S, N)
    total = counts.sum(axis=(1, 2))
    out = np.matmul(counts.reshape(-1, s * n), x.reshape(e, s * n, k)) / total[:, None]
    if test is not None:
        out[..., list(TEST_COLUMNS)] = (np.einsum("bsn,ebsnc->ebc", counts, test)
                                        / total[:, None])
        return out
    if examples is not None and d.weights is not None:
        t, c = examples.shape[2], examples.shape[4]
        test = np.zeros((e, len(counts), c))
        for i in range(s):                   # one matrix product per split (a few splits)
            # (B, T) @ (T, E*N*4): this split's units under every example draw
            y = np.ascontiguousarray(examples[:, i].transpose(1, 0, 2, 3)).reshape(t, -1)
            z = (d.weights[:, i] @ y).reshape(-1, e, n, c)                 # (B, E, N, 4)
            test += np.einsum("benc,bn->ebc", z, counts[:, i])
        out[..., list(TEST_COLUMNS)] = test / total[:, None]
    return out


def jackknife_means(x: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Leave-one-unit-out means (E, U, K) of ``x`` (E, S, N, K) over its valid units."""
    flat = x[:, valid]                                                      # (E, U, K)
    u = flat.shape[1]
    return (flat.sum(axis=1, keepdims=True) - flat) / max(u - 1, 1)
