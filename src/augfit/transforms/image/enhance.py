"""The automatic-augmentation operations as ordinary transforms: Posterize, Solarize, Equalize,
AutoContrast, Sharpness, Color and Shear.

Each draws its parameter per sample from a range and applies the batched kernels of
:mod:`augfit.transforms.image.ops` (PIL/torchvision semantics); RandAugment and TrivialAugmentWide
(:mod:`augfit.transforms.image.policies`) use the same kernels.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Fill, IntRange, Range, Table
from . import ops
from .core import GeometricTransform, ImageTransform


def _low_contrast(rng: np.random.Generator) -> np.ndarray:
    """Example batch whose channels do not span the full range (so stretching changes them)."""
    return rng.integers(60, 180, size=(4, 16, 16, 3), dtype=np.uint8)


@TRANSFORMS.register()
class Posterize(ImageTransform):
    """Keep the top ``bits`` bits of every value, ``bits`` an integer drawn per sample.

    Parameters
    ----------
    bits : (int, int)
        Inclusive range within [0, 8] (8 keeps the image, 0 makes it black).
    """

    family = "enhance"
    bits: tuple[int, int]
    _parameter_constraints: ClassVar[Table] = {"bits": IntRange(0, 8, keep="checked")}

    def __init__(self, bits: Sequence[int] = (4, 8), p: float = 1.0) -> None:
        del bits  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"bits": rng.integers(self.bits[0], self.bits[1] + 1, size=n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        return ops.posterize(batch, params["bits"])


@TRANSFORMS.register()
class Solarize(ImageTransform):
    """Invert every value at or above a threshold drawn per sample from ``threshold``.

    Parameters
    ----------
    threshold : (float, float)
        Fractions of the maximum value, within [0, 1] (1 leaves only pure white inverted).
    """

    family = "enhance"
    _parameter_constraints: ClassVar[Table] = {"threshold": Range(0.0, 1.0)}

    def __init__(self, threshold: Sequence[float] = (0.5, 1.0), p: float = 1.0) -> None:
        del threshold  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"threshold": self.uniform(rng, "threshold", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        return ops.solarize(batch, params["threshold"])


@TRANSFORMS.register()
class Equalize(ImageTransform):
    """Equalize each channel's histogram (PIL's lookup table; float images via uint8)."""

    family = "enhance"

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        return ops.equalize(batch)

    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray:
        return _low_contrast(rng)


@TRANSFORMS.register()
class AutoContrast(ImageTransform):
    """Stretch each channel linearly so that its minimum is black and its maximum white."""

    family = "enhance"

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        return ops.autocontrast(batch)

    @classmethod
    def example_batch(cls, rng: np.random.Generator) -> np.ndarray:
        return _low_contrast(rng)


class _Factor(ImageTransform):
    """A blend factor drawn per sample from ``factor`` (1 keeps the image)."""

    kernel = staticmethod(ops.brightness)
    family = "enhance"
    _parameter_constraints: ClassVar[Table] = {"factor": Range(0.0, 10.0)}

    def __init__(self, factor: Sequence[float] = (0.1, 1.9), p: float = 1.0) -> None:
        del factor  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"factor": self.uniform(rng, "factor", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        return type(self).kernel(batch, np.asarray(params["factor"]))


@TRANSFORMS.register()
class Sharpness(_Factor):
    """Blend with a 3x3 smoothing: factor < 1 blurs, > 1 sharpens (range within [0, 10])."""

    kernel = staticmethod(ops.sharpness)


@TRANSFORMS.register()
class Color(_Factor):
    """Saturation: blend with the greyscale image (0 grey, 1 unchanged, > 1 more colourful).

    Grey batches have no colour and come back unchanged.
    """

    kernel = staticmethod(ops.color)


@TRANSFORMS.register()
class Shear(GeometricTransform):
    """Shear each image about its centre: ``x' = x - sx·(y - cy)``, ``y' = y - sy·(x - cx)``.

    Parameters
    ----------
    x, y : float or (float, float)
        Shear factors (tangent of the shear angle); ``s`` means ``[-s, s]``; within [-2, 2].
    fill : float
        Border value, a fraction of the maximum.
    """

    family = "geometry"
    _parameter_constraints: ClassVar[Table] = {
        "x": Range(-2.0, 2.0, symmetric=True),
        "y": Range(-2.0, 2.0, symmetric=True), "fill": Fill()}

    def __init__(self, x: float | Sequence[float] = 0.3, y: float | Sequence[float] = 0.0,
                 fill: float = 0.0, p: float = 1.0) -> None:
        del x, y, fill  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_geometry(self, rng: np.random.Generator, n: int, hw: tuple[int, int]) -> Params:
        del hw
        return {"sx": self.uniform(rng, "x", n),
                "sy": self.uniform(rng, "y", n)}

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        return ops.shear_matrices(params["sx"], params["sy"], (hw[1] - 1) / 2, (hw[0] - 1) / 2)


__all__ = ["AutoContrast", "Color", "Equalize", "Posterize", "Sharpness", "Shear", "Solarize"]
