"""The one place where random Generators are made and split.

Seeds enter at the edges (``Compose(seed=0)``, ``DataLoader(seed=0)``, ``MLP(seed=0)``) and are
turned into :class:`numpy.random.Generator` objects here. Child streams are derived with
``SeedSequence`` spawn keys, so the stream for (seed, epoch, batch) is the same whatever the
order or the process that asks for it.
"""
from __future__ import annotations

import numpy as np

from .checks import check_int
from .errors import ConfigError

SeedLike = int | np.integer | np.random.SeedSequence | np.random.Generator | None


def _check_seed(seed: object, name: str) -> None:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(
        seed, (type(None), int, np.integer, np.random.SeedSequence, np.random.Generator)
    ):
        raise ConfigError(
            f"{name} must be None, a non-negative int, a SeedSequence or a Generator, got {seed!r}"
        )
    if isinstance(seed, (int, np.integer)):
        check_int(seed, name, low=0)


def as_generator(seed: SeedLike = None, name: str = "seed") -> np.random.Generator:
    """Return a Generator for ``seed``; a Generator passed in is returned as it is (shared
    state)."""
    _check_seed(seed, name)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.Generator(np.random.PCG64(seed))


def derive(seed: int | np.random.SeedSequence | None, *keys: int) -> np.random.Generator:
    """A Generator for the child stream ``keys`` of ``seed`` (e.g. ``derive(seed, epoch, batch)``).

    Pure function of its arguments: the same (seed, keys) always gives the same stream, and
    different keys give independent streams. ``seed=None`` draws fresh OS entropy.
    """
    _check_seed(seed, "seed")
    for k in keys:
        if not isinstance(k, (int, np.integer)) or k < 0:
            raise ConfigError(f"derive() keys must be non-negative ints, got {k!r}")
    if isinstance(seed, np.random.SeedSequence):
        spawn_key = tuple(seed.spawn_key) + tuple(int(k) for k in keys)
        ss = np.random.SeedSequence(seed.entropy, spawn_key=spawn_key)
    else:
        ss = np.random.SeedSequence(seed, spawn_key=tuple(int(k) for k in keys))
    return np.random.Generator(np.random.PCG64(ss))


def spawn(seed: SeedLike, n: int) -> list[np.random.Generator]:
    """``n`` independent child Generators of ``seed`` (a Generator is split with its own spawn)."""
    _check_seed(seed, "seed")
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(n))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(n)]


def seed_from(rng: np.random.Generator) -> int:
    """Draw a 63-bit integer seed from ``rng`` (to seed an external library reproducibly)."""
    return int(rng.integers(0, 2**63 - 1))


__all__ = ["SeedLike", "as_generator", "derive", "seed_from", "spawn"]
