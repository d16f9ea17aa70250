"""Wrap transforms of other libraries as seeded, replayable augfit transforms.

:class:`PerSampleAdapter` is the small generic part: ``sample_params`` draws one integer seed per
sample from the augfit Generator, and ``apply_params`` calls the foreign transform once per sample
after seeding it with that seed. Seeds are the whole record, so ``Compose(seed=...)`` stays
reproducible and a replay (or a subset of the batch) gives the same bytes. Subclasses implement
``apply_one(sample, seed)`` (and ``stack`` for non-array batches); text and audio adapters can
build on it the same way.

:func:`call_seeded` runs a call of a library that draws from Python's ``random`` and NumPy's
legacy global state (nlpaug, audiomentations) with both states seeded, then restores them: the one
place augfit touches global random state, used only by those adapters.

The adapters themselves live with their modality: :mod:`.image.albumentations_adapter`,
:mod:`.text.nlpaug_adapter` and :mod:`.audio.audiomentations_adapter` (:mod:`.adapters` gathers
them).
"""
from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .base import Params, Transform
from .records import BatchT

T = TypeVar("T")

_SEED_HIGH = 2**32 - 1  # most libraries accept 32-bit seeds


_GLOBAL_STATE_LOCK = threading.Lock()


def call_seeded(fn: Callable[[], T], seed: int) -> T:
    """Run ``fn()`` with Python's and NumPy's global random states seeded by ``seed``, then
    restore them (also on error). A lock serializes these calls between augfit's own threads."""
    with _GLOBAL_STATE_LOCK:
        py_state, np_state = random.getstate(), np.random.get_state()
        try:
            random.seed(seed)
            np.random.set_state(np.random.RandomState(seed % 2**32).get_state())
            return fn()
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


class PerSampleAdapter(Transform[BatchT]):
    """Generic per-sample adapter: one seed per sample, foreign call per sample (sequential)."""

    def sample_params(self, rng: np.random.Generator, batch: BatchT, n: int) -> Params:
        del batch
        return {"seed": rng.integers(0, _SEED_HIGH, size=n, dtype=np.int64)}

    def apply_one(self, sample: Any, seed: int) -> Any:
        """Transform one sample (an image or a clip: an array; a sentence: a str) with the foreign
        library seeded by ``seed``; what comes back is what that library gives."""
        raise NotImplementedError

    def stack(self, batch: BatchT, outputs: list[Any]) -> BatchT:
        """Assemble per-sample outputs into a batch (arrays are stacked, lists kept)."""
        if isinstance(batch, np.ndarray):
            return np.stack(outputs).astype(batch.dtype, copy=False)
        return outputs

    def apply_params(self, batch: BatchT, params: Params) -> BatchT:
        outs = [self.apply_one(batch[i], int(s)) for i, s in enumerate(params["seed"])]
        return self.stack(batch, outs)


__all__ = ["PerSampleAdapter", "call_seeded"]
