"""Brightness, Contrast, BrightnessContrast and Grayscale (decolorize).

Brightness and contrast follow albumentations' ``RandomBrightnessContrast`` (with
``brightness_by_max=True``): ``out = clip(x * alpha + beta * max_value)`` with
``alpha = 1 + c``, ``c`` drawn from the contrast range and ``beta`` from the brightness range; for
uint8 through a per-sample lookup table cast with truncation, exactly as albumentations does.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...checks import check_range
from ...registry import TRANSFORMS
from ..base import Params
from . import functional as F
from .core import ImageTransform


class _MultiplyAdd(ImageTransform):
    """Shared sampling and kernel; subclasses say which of the two ranges they use."""

    _brightness: tuple[float, float] = (0.0, 0.0)
    _contrast: tuple[float, float] = (0.0, 0.0)

    def sample_params(self, rng: np.random.Generator, batch: Any, n: int) -> Params:
        return {"alpha": 1.0 + rng.uniform(*self._contrast, size=n),
                "beta": rng.uniform(*self._brightness, size=n)}

    def apply_params(self, batch: Any, params: Params) -> Any:
        return F.multiply_add(batch, np.asarray(params["alpha"]), np.asarray(params["beta"]))

    @classmethod
    def invalid_args(cls) -> list[dict[str, Any]]:
        return super().invalid_args() + [{k: 2.0} for k in cls.example_args()] + \
            [{k: [0.3, -0.3]} for k in cls.example_args()]


class _OneRange(_MultiplyAdd):
    """Brightness or Contrast alone: one symmetric ``limit`` range, stored in ``_range_attr``."""

    _range_attr = "_brightness"

    def __init__(self, limit: float | Sequence[float] = 0.2, p: float = 1.0) -> None:
        super().__init__(p)
        bounds = check_range(limit, "limit", type(self).__name__, -1.0, 1.0, symmetric=True)
        setattr(self, self._range_attr, bounds)
        self.limit = limit

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"limit": 0.3}


@TRANSFORMS.register()
class Brightness(_OneRange):
    """Add ``beta * max_value``, ``beta`` drawn from ``limit`` (``b``: ``[-b, b]``; in [-1, 1])."""

    _range_attr = "_brightness"


@TRANSFORMS.register()
class Contrast(_OneRange):
    """Multiply by ``1 + c``, ``c`` drawn from ``limit`` (``c`` means ``[-c, c]``; in [-1, 1])."""

    _range_attr = "_contrast"


@TRANSFORMS.register()
class BrightnessContrast(_MultiplyAdd):
    """Brightness and contrast together (one pass): ``clip(x * (1 + c) + b * max_value)``."""

    def __init__(self, brightness: float | Sequence[float] = 0.2,
                 contrast: float | Sequence[float] = 0.2, p: float = 1.0) -> None:
        super().__init__(p)
        self._brightness = check_range(brightness, "brightness", "BrightnessContrast", -1.0, 1.0,
                                       symmetric=True)
        self._contrast = check_range(contrast, "contrast", "BrightnessContrast", -1.0, 1.0,
                                     symmetric=True)
        self.brightness, self.contrast = brightness, contrast

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"brightness": 0.3, "contrast": 0.3}


@TRANSFORMS.register()
class Grayscale(ImageTransform):
    """Decolorize: replace R, G and B by the luma ``0.299 R + 0.587 G + 0.114 B`` (channels kept).

    RGBA keeps its alpha; grey batches (N, H, W) or (N, H, W, 1) come back unchanged.
    """

    def __init__(self, p: float = 1.0) -> None:
        super().__init__(p)

    def apply_params(self, batch: Any, params: Params) -> Any:
        return F.to_gray(batch)


__all__ = ["Brightness", "Contrast", "BrightnessContrast", "Grayscale"]
