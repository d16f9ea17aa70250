"""GaussianBlur and MotionBlur: one drawn kernel per sample, applied by OpenCV per image.

Each sample's kernel is built from its recorded parameters (GaussianBlur: ``sigma``; MotionBlur:
``size`` and ``angle``), so a record replays exactly. The images are filtered with
``cv2.sepFilter2D`` / ``cv2.filter2D`` (border ``BORDER_REFLECT_101``, OpenCV's and
albumentations' default) over the image thread pool; uint8 results are rounded by OpenCV.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import ClassVar

import cv2
import numpy as np

from ...errors import ConfigError
from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import IntRange, Range, Table
from ..parallel import per_sample
from .core import ImageTransform

MIN_SIGMA, MAX_SIGMA = 0.01, 20.0
"""Gaussian sigmas in pixels (20: a kernel of 121 taps; to leave images sharp, use ``p < 1``)."""
MAX_KERNEL = 63
"""Largest motion-blur kernel side in pixels."""


def gaussian_size(sigma: float) -> int:
    """Kernel side for ``sigma``: ``2 * ceil(3 * sigma) + 1`` (the Gaussian cut at 3 sigma)."""
    return 2 * math.ceil(3.0 * sigma) + 1


def motion_kernel(size: int, angle: float) -> np.ndarray:
    """A normalized ``size x size`` float32 kernel: a line through the centre at ``angle`` degrees
    (counter-clockwise on screen, 0 = horizontal), rasterized with OpenCV."""
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2.0
    rad = math.radians(angle)
    dx, dy = math.cos(rad) * c, -math.sin(rad) * c
    shift = 8  # sub-pixel end points (1/256 pixel)
    p0 = (round((c - dx) * (1 << shift)), round((c - dy) * (1 << shift)))
    p1 = (round((c + dx) * (1 << shift)), round((c + dy) * (1 << shift)))
    cv2.line(k, p0, p1, 1.0, 1, cv2.LINE_8, shift)
    result: np.ndarray = k / k.sum()
    return result


def _per_image(batch: np.ndarray, fn: Callable[[int, np.ndarray], np.ndarray]) -> np.ndarray:
    """``out[i] = fn(i, batch[i])`` over the image thread pool."""
    out = np.empty_like(batch)

    def one(i: int) -> None:
        out[i] = fn(i, batch[i]).reshape(batch.shape[1:])

    per_sample(one, batch.shape[0], parallel=True)
    return out


@TRANSFORMS.register()
class GaussianBlur(ImageTransform):
    """Blur each image with a Gaussian whose ``sigma`` (pixels) is drawn per sample.

    Parameters
    ----------
    sigma : (float, float)
        Range of the standard deviation in pixels, within [0.01, 20]. The kernel is cut at 3 sigma
        (``2 * ceil(3 * sigma) + 1`` taps a side).
    p : float
        Probability per sample.

    The record holds ``sigma`` per sample.
    """

    family = "blur"
    _parameter_constraints: ClassVar[Table] = {"sigma": Range(MIN_SIGMA, MAX_SIGMA)}

    def __init__(self, sigma: Sequence[float] = (0.5, 1.5), p: float = 1.0) -> None:
        del sigma  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"sigma": self.uniform(rng, "sigma", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        sigma = np.asarray(params["sigma"], float).tolist()

        def blur(i: int, img: np.ndarray) -> np.ndarray:
            # sepFilter2D with a float kernel: 2x faster than cv2.GaussianBlur's bit-exact uint8
            # path on 128x128x3 (OpenCV 5), the same kernel and border
            k = cv2.getGaussianKernel(gaussian_size(sigma[i]), sigma[i], cv2.CV_32F)
            return cv2.sepFilter2D(img, -1, k, k, borderType=cv2.BORDER_REFLECT_101)

        return _per_image(batch, blur)


@TRANSFORMS.register()
class MotionBlur(ImageTransform):
    """Blur each image along a line: kernel side and angle drawn per sample.

    Parameters
    ----------
    size : (int, int)
        Inclusive range of the kernel side in pixels (odd sides are drawn: 3, 5, 7, ...), within
        [3, 63].
    angle : float or (float, float)
        Direction of the motion in degrees (``a`` means ``[-a, a]``), within [-180, 180].
    p : float
        Probability per sample.

    The record holds ``size`` and ``angle`` per sample.
    """

    family = "blur"
    _parameter_constraints: ClassVar[Table] = {
        "size": IntRange(3, MAX_KERNEL, hint=" containing an odd side (3, 5, 7, ...)",
                         valid=lambda lo, hi: _odd_sizes(lo, hi).size > 0),
        "angle": Range(-180.0, 180.0, symmetric=True)}

    def __init__(self, size: Sequence[int] = (3, 7), angle: float | Sequence[float] = 180.0,
                 p: float = 1.0) -> None:
        del size, angle  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        size: tuple[int, int] = self.checked.size
        sizes = _odd_sizes(*size)
        return {"size": sizes[rng.integers(0, sizes.size, size=n)],
                "angle": self.uniform(rng, "angle", n)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        size = np.asarray(params["size"], np.int64)
        angle = np.asarray(params["angle"], float)
        if size.size and (size.min() < 1 or size.max() > MAX_KERNEL):
            raise ConfigError(f"MotionBlur: recorded kernel sizes must lie in [1, {MAX_KERNEL}]")
        def smear(i: int, img: np.ndarray) -> np.ndarray:
            k = motion_kernel(int(size[i]), float(angle[i]))
            return cv2.filter2D(img, -1, k, borderType=cv2.BORDER_REFLECT_101)

        return _per_image(batch, smear)


def _odd_sizes(lo: int, hi: int) -> np.ndarray:
    return np.arange(lo + (1 - lo % 2), hi + 1, 2)


__all__ = ["GaussianBlur", "MotionBlur", "gaussian_size", "motion_kernel"]
