"""The albumentations adapter: :class:`Albumentations` wraps any albumentations (2.x) transform
working on ``image=`` as a seeded, replayable augfit image transform (one seed per sample, see
:class:`~augfit.transforms.adapter_base.PerSampleAdapter`).

Example
-------
>>> import albumentations as A, numpy as np, augfit as af
>>> from augfit.transforms.image import Albumentations
>>> aug = af.Compose([Albumentations(A.RandomGamma(p=1.0))], seed=0)
>>> out = aug(np.zeros((4, 16, 16, 3), np.uint8))
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ...errors import ConfigError, MissingResourceError, ShapeError
from ...registry import TRANSFORMS
from ..adapter_base import PerSampleAdapter
from ..base import Params
from . import functional as F


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


__all__ = ["Albumentations"]
