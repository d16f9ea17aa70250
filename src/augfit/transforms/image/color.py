"""Brightness, Contrast, BrightnessContrast and Grayscale (decolorize).

Brightness and contrast follow albumentations' ``RandomBrightnessContrast`` (with
``brightness_by_max=True``): ``out = clip(x * alpha + beta * max_value)`` with
``alpha = 1 + c``, ``c`` drawn from the contrast range and ``beta`` from the brightness range; for
uint8 through a per-sample lookup table cast with truncation, exactly as albumentations does.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Range, Table
from . import functional as F
from .core import ImageTransform


class _MultiplyAdd(ImageTransform):
    """Shared sampling and kernel; subclasses say which of the two ranges they use."""

    family = "color"

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The (brightness, contrast) ranges drawn from; ``(0, 0)`` for one not used."""
        c = self.checked
        return getattr(c, "brightness", (0.0, 0.0)), getattr(c, "contrast", (0.0, 0.0))

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        brightness, contrast = self.ranges()
        return {"alpha": 1.0 + rng.uniform(*contrast, size=n),
                "beta": rng.uniform(*brightness, size=n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        return F.multiply_add(batch, np.asarray(params["alpha"]), np.asarray(params["beta"]))


class _OneRange(_MultiplyAdd):
    """Brightness or Contrast alone: one symmetric ``limit`` range, used as ``changes``."""

    changes: ClassVar[str] = "brightness"
    _parameter_constraints: ClassVar[Table] = {"limit": Range(-1.0, 1.0, symmetric=True)}

    def __init__(self, limit: float | Sequence[float] = 0.2, p: float = 1.0) -> None:
        del limit  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def ranges(self) -> tuple[tuple[float, float], tuple[float, float]]:
        unused = (0.0, 0.0)
        limit: tuple[float, float] = self.checked.limit
        return (limit, unused) if self.changes == "brightness" else (unused, limit)


@TRANSFORMS.register()
class Brightness(_OneRange):
    """Add ``beta * max_value``, ``beta`` drawn from ``limit`` (``b``: ``[-b, b]``; in [-1, 1])."""

    changes = "brightness"


@TRANSFORMS.register()
class Contrast(_OneRange):
    """Multiply by ``1 + c``, ``c`` drawn from ``limit`` (``c`` means ``[-c, c]``; in [-1, 1])."""

    changes = "contrast"


@TRANSFORMS.register()
class BrightnessContrast(_MultiplyAdd):
    """Brightness and contrast together (one pass): ``clip(x * (1 + c) + b * max_value)``."""

    _parameter_constraints: ClassVar[Table] = {
        "brightness": Range(-1.0, 1.0, symmetric=True),
        "contrast": Range(-1.0, 1.0, symmetric=True)}

    def __init__(self, brightness: float | Sequence[float] = 0.2,
                 contrast: float | Sequence[float] = 0.2, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del brightness, contrast
        super().__init__(p)


@TRANSFORMS.register()
class Grayscale(ImageTransform):
    """Decolorize: replace R, G and B by the luma ``0.299 R + 0.587 G + 0.114 B`` (channels kept).

    RGBA keeps its alpha; grey batches (N, H, W) or (N, H, W, 1) come back unchanged.
    """

    family = "enhance"

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        return F.to_gray(batch)


__all__ = ["Brightness", "BrightnessContrast", "Contrast", "Grayscale"]
