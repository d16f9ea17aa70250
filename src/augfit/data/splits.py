"""Index arithmetic behind :meth:`Dataset.split` and :meth:`Dataset.subsample`.

Pure functions of the labels, the groups and a Generator, so they can be tested on hand-made label
vectors. Stratified sizes are exact: the total is fixed first, then shared among the classes in
proportion to their counts by the largest-remainder rule (ties go to the lower class index).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, TypeVar

import numpy as np

from ..checks import is_number
from ..errors import ConfigError
from ..rng import as_generator, derive

IndexSplit = tuple[np.ndarray, np.ndarray, np.ndarray]     # (train, val, test) indices
D = TypeVar("D", bound="Subsettable")


def resolve_size(size: float | int, n: int, name: str) -> int:
    """A split size as a count: a float in [0, 1) is a fraction of ``n``, an int is a count."""
    if not is_number(size):
        raise ConfigError(f"{name} must be a fraction in [0, 1) or a count, got {size!r}")
    if isinstance(size, (float, np.floating)):
        if not 0.0 <= float(size) < 1.0:
            raise ConfigError(f"{name} as a fraction must be in [0, 1), got {size!r}; "
                              f"pass an int for a count")
        return round(float(size) * n)
    if not 0 <= int(size) <= n:
        raise ConfigError(f"{name} as a count must be in [0, {n}], got {size!r}")
    return int(size)


def allocate(total: int, counts: np.ndarray, cap: np.ndarray | None = None) -> np.ndarray:
    """Share ``total`` among classes in proportion to ``counts`` (largest remainder), at most
    ``cap`` each (default ``counts``). Returns an int array summing exactly to ``total``.
    """
    counts = np.asarray(counts, dtype=np.int64)
    cap = counts if cap is None else np.asarray(cap, dtype=np.int64)
    if total > int(cap.sum()):
        raise ConfigError(f"cannot take {total} samples: only {int(cap.sum())} are available")
    n = int(counts.sum())
    ideal = total * counts / max(n, 1)
    out: np.ndarray = np.minimum(np.floor(ideal).astype(np.int64), cap)
    frac = ideal - np.floor(ideal)
    # hand out the remainder one at a time: largest fractional part first, never above cap
    order = np.lexsort((np.arange(len(counts)), -frac))
    while int(out.sum()) < total:
        for k in order:
            if out.sum() == total:
                break
            if out[k] < cap[k]:
                out[k] += 1
    return out


def stratified_take(y: np.ndarray, sizes: list[int], rng: np.random.Generator,
                    n_classes: int) -> list[np.ndarray]:
    """Disjoint index sets of exactly ``sizes`` samples each, stratified by ``y``.

    The last set returned is everything left over (its size is ``len(y) - sum(sizes)``).
    """
    perms = [rng.permutation(np.flatnonzero(y == k)) for k in range(n_classes)]
    counts = np.array([len(p) for p in perms], dtype=np.int64)
    used = np.zeros(n_classes, dtype=np.int64)
    parts: list[np.ndarray] = []
    for size in sizes:
        take = allocate(size, counts, cap=counts - used)
        parts.append(np.concatenate([p[u:u + t]
                                     for p, u, t in zip(perms, used, take, strict=True)]))
        used += take
    parts.append(np.concatenate([perms[k][used[k]:] for k in range(n_classes)]))
    return [np.sort(p).astype(np.int64) for p in parts]


def random_take(n: int, sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Like :func:`stratified_take` without strata."""
    perm = rng.permutation(n)
    bounds = np.cumsum([0, *sizes])
    parts = [perm[bounds[i]:bounds[i + 1]] for i in range(len(sizes))] + [perm[bounds[-1]:]]
    return [np.sort(p).astype(np.int64) for p in parts]


def group_take(groups: np.ndarray, sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Disjoint index sets made of whole groups; each set gets groups until it reaches its size.

    Sizes are met as closely as whole groups allow (a group is never split across sets), and every
    requested set with a size > 0 gets at least one group.
    """
    names, inverse, gcounts = np.unique(groups, return_inverse=True, return_counts=True)
    if len(names) < len([s for s in sizes if s > 0]) + 1:
        raise ConfigError(f"by_group=True needs at least {len(sizes) + 1} distinct groups, "
                          f"got {len(names)}; pass by_group=False or load more groups")
    order = rng.permutation(len(names))
    pos = 0
    parts: list[np.ndarray] = []
    for size in sizes:
        chosen: list[int] = []
        got = 0
        while size > 0 and pos < len(order) - 1:
            g = int(order[pos])
            # stop before a group that overshoots more than it helps, once something is taken
            if chosen and abs(got + gcounts[g] - size) >= abs(got - size):
                break
            chosen.append(g)
            got += int(gcounts[g])
            pos += 1
        parts.append(np.flatnonzero(np.isin(inverse, chosen)))
    parts.append(np.flatnonzero(np.isin(inverse, order[pos:])))
    return [p.astype(np.int64) for p in parts]


def log_multinomial(parts: list[int]) -> float:
    """log of (sum parts)! / prod(parts!): the number of ways to deal items into labelled piles."""
    return math.lgamma(sum(parts) + 1) - sum(math.lgamma(p + 1) for p in parts)


def distinct_splits(y: np.ndarray, groups: np.ndarray | None, n_val: int, n_test: int,
                    n_classes: int, stratify: bool = True, by_group: bool = False,
                    fixed_test: bool = False, cap: int = 10**9) -> int:
    """How many different (val, test) index sets a repeated split of these labels can produce
    (at most ``cap``).

    Stratified: each class deals its samples into test, val and train in the fixed per-class
    amounts of :func:`allocate`, so the count is the product of per-class multinomials. Not
    stratified: one multinomial over all samples. By group: whole groups are dealt; the count is
    the multinomial over groups with as many test and val groups as ``group_take`` gives for a
    typical draw (exact when the groups have equal sizes). ``fixed_test``: the test set is given
    (an official one), so only val varies and ``n_test`` must be 0.
    """
    if fixed_test and n_test:
        raise ConfigError(f"distinct_splits(fixed_test=True): the test set is given, so no test "
                          f"samples are drawn; pass n_test=0, got {n_test}")
    if by_group:
        if groups is None:
            return 1
        _, gcounts = np.unique(groups, return_counts=True)
        mean = float(np.mean(gcounts))
        g_test = 0 if n_test == 0 else max(1, round(n_test / mean))
        g_val = 0 if n_val == 0 else max(1, round(n_val / mean))
        g_rest = max(len(gcounts) - g_test - g_val, 0)
        log = log_multinomial([g_test, g_val, g_rest])
    elif stratify:
        counts = np.bincount(y, minlength=n_classes).astype(np.int64)
        take_test = allocate(n_test, counts)
        take_val = allocate(n_val, counts, cap=counts - take_test)
        log = sum(log_multinomial([int(t), int(v), int(c - t - v)])
                  for c, t, v in zip(counts, take_test, take_val, strict=True))
    else:
        log = log_multinomial([n_test, n_val, len(y) - n_test - n_val])
    return cap if log >= math.log(cap) else round(math.exp(log))


def repeated_splits(draw: Callable[[np.random.Generator], IndexSplit], count: int, seed: int,
                    maximum: int, attempts: int = 200) -> list[IndexSplit]:
    """``count`` different splits, each made by ``draw(rng)``.

    Split 0 is drawn from ``seed`` itself (so one split is exactly ``Dataset.split(seed=seed)``);
    split k >= 1 from ``derive(seed, k, attempt)``, taking the first attempt whose (val, test)
    differs from every earlier split's. ``maximum`` (from :func:`distinct_splits`) is quoted when
    no different split can be found.
    """
    out: list[IndexSplit] = []
    for k in range(count):
        for attempt in range(attempts if k else 1):
            rng = as_generator(seed) if k == 0 else derive(seed, k, attempt)
            train, val, test = draw(rng)
            if not any(np.array_equal(val, v) and np.array_equal(test, t) for _, v, t in out):
                out.append((train, val, test))
                break
        else:
            raise ConfigError(f"splits: found only {k} different splits of these data in "
                              f"{attempts} attempts (they allow at most {maximum}); ask for "
                              f"fewer splits")
    return out



class Subsettable(Protocol):
    """What :func:`official_split` needs of a Dataset (this module does not import the container,
    which imports it)."""

    meta: dict[str, object]

    def __len__(self) -> int: ...

    def subset(self: D, idx: np.ndarray) -> D: ...


def official_test_problem(ds: Subsettable) -> str | None:
    """Why ``ds`` has no usable official test set, or None: ``meta["official_test"]`` must be a
    boolean per-sample array marking some, but not all, of the samples."""
    mask = ds.meta.get("official_test")
    if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != (len(ds),):
        return "has no official test set (its loader gives no meta['official_test'])"
    if not 0 < int(np.count_nonzero(mask)) < len(ds):
        return f"marks {int(np.count_nonzero(mask))} of its {len(ds)} samples as official test"
    return None


def official_split(ds: D) -> tuple[D, D]:
    """A dataset's official ``(train, test)``: the samples whose ``meta["official_test"]`` is
    False / True (FSDD: recording index 0-4 is test; Fashion-MNIST with ``split="all"``)."""
    mask = ds.meta.get("official_test")
    if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != (len(ds),):
        raise ConfigError(f"official_split needs a Dataset with a boolean per-sample "
                          f"meta['official_test'] (fsdd, fashion_mnist with split='all'); "
                          f"{ds!r} has none")
    return ds.subset(~mask), ds.subset(mask)


__all__ = [
    "IndexSplit",
    "Subsettable",
    "allocate",
    "distinct_splits",
    "group_take",
    "log_multinomial",
    "official_split",
    "official_test_problem",
    "random_take",
    "repeated_splits",
    "resolve_size",
    "stratified_take",
]
