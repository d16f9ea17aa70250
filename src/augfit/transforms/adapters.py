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

:class:`Albumentations` wraps any albumentations (2.x) transform working on ``image=``.

Example
-------
>>> import albumentations as A, numpy as np, augfit as af
>>> from augfit.transforms.adapters import Albumentations
>>> aug = af.Compose([Albumentations(A.RandomGamma(p=1.0))], seed=0)
>>> out = aug(np.zeros((4, 16, 16, 3), np.uint8))
"""
from __future__ import annotations

import random
import threading
from typing import Any

import numpy as np

from ..errors import ConfigError, MissingResourceError, ShapeError
from ..registry import TRANSFORMS
from .base import Params, Transform
from .image import functional as F

_SEED_HIGH = 2**32 - 1  # most libraries accept 32-bit seeds


_GLOBAL_STATE_LOCK = threading.Lock()


def call_seeded(fn: Any, seed: int) -> Any:
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


class PerSampleAdapter(Transform):
    """Generic per-sample adapter: one seed per sample, foreign call per sample (sequential)."""

    def sample_params(self, rng: np.random.Generator, batch: Any, n: int) -> Params:
        return {"seed": rng.integers(0, _SEED_HIGH, size=n, dtype=np.int64)}

    def apply_one(self, sample: Any, seed: int) -> Any:
        """Transform one sample with the foreign library seeded by ``seed``."""
        raise NotImplementedError

    def stack(self, batch: Any, outputs: list[Any]) -> Any:
        """Assemble per-sample outputs into a batch (arrays are stacked, lists kept)."""
        if isinstance(batch, np.ndarray):
            return np.stack(outputs).astype(batch.dtype, copy=False)
        return outputs

    def apply_params(self, batch: Any, params: Params) -> Any:
        outs = [self.apply_one(batch[i], int(s)) for i, s in enumerate(params["seed"])]
        return self.stack(batch, outs)


def _albumentations() -> Any:
    try:
        import albumentations as A
    except ImportError as e:  # pragma: no cover - albumentations is a declared extra
        raise MissingResourceError(
            f"the albumentations adapter needs albumentations: pip install 'augfit[image]' ({e})"
        ) from e
    return A


@TRANSFORMS.register()
class Albumentations(PerSampleAdapter):
    """An albumentations transform as an augfit image transform.

    Parameters
    ----------
    transform : albumentations transform or dict
        The transform (e.g. ``A.RandomGamma(p=1.0)``), or its ``A.to_dict`` form. Its own ``p``
        still applies inside; set it to 1 and use this adapter's ``p`` for per-sample probability.
    p : float
        Probability per sample.

    Notes
    -----
    Each sample is processed by one albumentations call (no batching) and the transform is
    re-seeded per sample, so this is as fast as albumentations itself. The output must keep the
    image shape unless ``p=1``.
    """

    modality = "image"

    def __init__(self, transform: Any = None, p: float = 1.0) -> None:
        super().__init__(p)
        A = _albumentations()
        if isinstance(transform, dict):
            try:
                self._t = A.from_dict({"transform": transform})
            except Exception as e:  # albumentations raises several kinds here
                raise ConfigError(f"Albumentations(transform=...): cannot build {transform!r} ({e})"
                                  ) from e
        elif isinstance(transform, (A.core.transforms_interface.BasicTransform, A.BaseCompose)):
            self._t = transform
        else:
            raise ConfigError(
                f"Albumentations(transform=...) must be an albumentations transform (e.g. "
                f"A.RandomGamma(p=1.0)) or its A.to_dict form, got {transform!r}"
            )
        self.transform = A.to_dict(self._t)["transform"]
        self._lock = threading.Lock()

    def check_batch(self, batch: Any) -> None:
        F.check_images(batch, "Albumentations")

    def apply_params(self, batch: Any, params: Params) -> Any:
        # seeding then calling mutates the wrapped transform: one batch at a time per instance
        with self._lock:
            return super().apply_params(batch, params)

    def apply_one(self, sample: Any, seed: int) -> Any:
        self._t.set_random_seed(seed)
        return self._t(image=sample)["image"]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def stack(self, batch: Any, outputs: list[Any]) -> Any:
        shapes = {o.shape for o in outputs}
        if len(shapes) != 1:
            raise ShapeError(f"Albumentations({type(self._t).__name__}) returned images of "
                             f"several shapes {sorted(shapes)}; wrap only transforms with a fixed "
                             f"output size")
        out = np.stack(outputs)
        if out.ndim == batch.ndim - 1 or (batch.ndim == 3 and out.ndim == 4 and out.shape[-1] == 1):
            out = out.reshape(out.shape[:3])
        return out.astype(batch.dtype, copy=False)

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        A = _albumentations()
        return {"transform": A.RandomBrightnessContrast(p=1.0)}

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        unknown = {"__class_fullname__": "NoSuchThing", "p": 1.0}
        return super().invalid_args() + [{"transform": "RandomGamma"}, {"transform": None},
                                         {"transform": unknown}]


__all__ = ["PerSampleAdapter", "Albumentations", "call_seeded"]
