"""HorizontalFlip and VerticalFlip: exact mirror images (as matrices when fused in a Compose)."""
from __future__ import annotations

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from .core import GeometricTransform, identity


class _Flip(GeometricTransform):
    resamples = False
    family = "flip"
    axis: int = 2  # 2 mirrors columns (x), 1 mirrors rows (y)

    def __init__(self, p: float = 0.5) -> None:
        super().__init__(p)

    def matrices(self, params: Params, hw: tuple[int, int]) -> np.ndarray:
        m = identity(len(params["applied"]))
        row = 0 if self.axis == 2 else 1
        m[:, row, row] = -1.0
        m[:, row, 2] = hw[1 - row] - 1.0
        return m

    def apply_exact(self, batch: np.ndarray, params: Params) -> np.ndarray:
        del params
        result: np.ndarray = np.flip(batch, axis=self.axis).copy()
        return result

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        return self.apply_exact(batch, params)


@TRANSFORMS.register()
class HorizontalFlip(_Flip):
    """Mirror images left-right (the width axis) with probability ``p`` (default 0.5)."""

    axis = 2


@TRANSFORMS.register()
class VerticalFlip(_Flip):
    """Mirror images top-bottom (the height axis) with probability ``p`` (default 0.5)."""

    axis = 1


__all__ = ["HorizontalFlip", "VerticalFlip"]
