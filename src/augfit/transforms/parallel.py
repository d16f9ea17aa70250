"""The transforms' one thread pool: per-sample kernels spread over threads.

OpenCV calls release the GIL, and so do NumPy's loops over long rows, so a batch split into
contiguous chunks runs on every core. The image kernels (:mod:`.image.functional`: one
``cv2.warpAffine`` or ``cv2.LUT`` per large image, the blurs) and the label-mixing kernels
(:mod:`.mixing`, used by MixUp, CutMix and TimeCutMix) share this pool; it sits below both, so the
modality-free core borrows nothing from the image package.

Chunks are contiguous and every sample's result depends on that sample alone, so the output is
the same bytes for any number of threads (``AUGFIT_IMAGE_THREADS``, default: the CPU count).
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

PARALLEL_VALUES = 1 << 16
"""Batches with more values than this are worked in chunks over the pool by :func:`per_chunk`."""
_POOL: ThreadPoolExecutor | None = None


def n_workers() -> int:
    """Threads of the pool (``AUGFIT_IMAGE_THREADS``, default: CPU count)."""
    env = os.environ.get("AUGFIT_IMAGE_THREADS")
    return max(1, int(env)) if env and env.isdigit() else max(1, os.cpu_count() or 1)


def pool() -> ThreadPoolExecutor:
    """The process's pool, made on first use with :func:`n_workers` threads."""
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=n_workers(), thread_name_prefix="augfit-image")
    return _POOL


def _forget_pool_in_child() -> None:
    # A forked child inherits the executor but not its threads: work sent to it would never run.
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def per_sample(fn: Callable[[int], None], n: int, parallel: bool) -> None:
    """Run ``fn(i)`` for i in range(n), in contiguous chunks over the pool if ``parallel``."""
    workers = n_workers()
    if not parallel or workers == 1 or n < 2:
        for i in range(n):
            fn(i)
        return
    chunks = np.array_split(np.arange(n), min(workers, n))

    def run(idx: np.ndarray) -> None:
        for i in idx:
            fn(int(i))

    list(pool().map(run, chunks))


def per_chunk(fn: Callable[[slice], None], n: int, values: int) -> None:
    """Run ``fn(slice)`` over a batch of ``n`` samples, in one chunk per thread when it holds more
    than :data:`PARALLEL_VALUES` values (``values``: its total size)."""
    workers = n_workers()
    if workers == 1 or values <= PARALLEL_VALUES or n < 2 * workers:
        fn(slice(0, n))
        return
    bounds = np.linspace(0, n, workers + 1).astype(int)
    list(pool().map(fn, [slice(bounds[i], bounds[i + 1]) for i in range(workers)]))


__all__ = ["PARALLEL_VALUES", "n_workers", "per_chunk", "per_sample", "pool"]
