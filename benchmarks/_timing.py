"""The timing rule every image benchmark uses: images per second of the best of repeated runs."""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def rate(fn: Callable[[], object], n_images: int, seconds: float) -> float:
    """Images per second: best of repeated timed runs within ``seconds``."""
    fn()  # warm-up (thread pools, caches)
    best, start = np.inf, time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n_images / best
