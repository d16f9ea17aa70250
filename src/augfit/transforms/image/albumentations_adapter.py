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
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar

import numpy as np

from ...errors import ConfigError, MissingResourceError, ShapeError
from ...registry import TRANSFORMS
from ..adapter_base import PerSampleAdapter
from ..base import Params
from ..constraints import Constraint, Table
from . import functional as F


def _albumentations() -> ModuleType:
    try:
        import albumentations as A
    except ImportError as e:  # pragma: no cover - albumentations is a declared extra
        raise MissingResourceError(
            f"the albumentations adapter needs albumentations: pip install 'augfit[image]' ({e})"
        ) from e
    module: ModuleType = A
    return module


@dataclass(frozen=True)
class AlbumentationsTransform(Constraint):
    """An albumentations transform or its ``A.to_dict`` form: checked to the transform object,
    kept (for ``to_dict``) in its dict form."""

    def check(self, value: object, name: str, owner: str, seen: Mapping[str, object]) -> object:
        del seen
        A = _albumentations()
        if isinstance(value, dict):
            try:
                return A.from_dict({"transform": value})
            except Exception as e:  # albumentations raises several kinds here
                raise ConfigError(f"{owner}({name}=...): cannot build {value!r} ({e})") from e
        if isinstance(value, (A.core.transforms_interface.BasicTransform, A.BaseCompose)):
            return value
        raise ConfigError(
            f"{owner}({name}=...) must be an albumentations transform (e.g. "
            f"A.RandomGamma(p=1.0)) or its A.to_dict form, got {value!r}"
        )

    def stored(self, given: object, checked: object) -> object:
        del given
        return _albumentations().to_dict(checked)["transform"]

    def invalid(self) -> list[object]:
        return ["RandomGamma", None, {"__class_fullname__": "NoSuchThing", "p": 1.0}]


@TRANSFORMS.register()
class Albumentations(PerSampleAdapter[np.ndarray]):
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
    _parameter_constraints: ClassVar[Table] = {"transform": AlbumentationsTransform()}

    def __init__(self, transform: object = None, p: float = 1.0) -> None:
        del transform  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)
        self._t = self.checked.transform
        self._lock = threading.Lock()

    def check_batch(self, batch: object) -> None:
        F.check_images(batch, type(self).__name__)

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        # seeding then calling mutates the wrapped transform: one batch at a time per instance
        with self._lock:
            return super().apply_params(batch, params)

    def apply_one(self, sample: np.ndarray, seed: int) -> np.ndarray:
        self._t.set_random_seed(seed)
        out: np.ndarray = self._t(image=sample)["image"]
        return out

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def stack(self, batch: np.ndarray, outputs: list[np.ndarray]) -> np.ndarray:
        shapes = {o.shape for o in outputs}
        if len(shapes) != 1:
            raise ShapeError(f"Albumentations({type(self._t).__name__}) returned images of "
                             f"several shapes {sorted(shapes)}; wrap only transforms with a fixed "
                             f"output size")
        out = np.stack(outputs)
        if out.ndim == batch.ndim - 1 or (batch.ndim == 3 and out.ndim == 4 and out.shape[-1] == 1):
            out = out.reshape(out.shape[:3])
        return out.astype(batch.dtype, copy=False)


__all__ = ["Albumentations"]
