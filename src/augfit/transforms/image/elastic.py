"""ElasticTransform (Simard, Steinkraus & Platt 2003) and Perspective: per-pixel resampling.

ElasticTransform follows the paper: a displacement field of uniform noise in [-1, 1] per pixel and
axis, smoothed by a Gaussian of standard deviation ``sigma`` and scaled by ``alpha`` (the paper's
MNIST setting: ``sigma=4``, ``alpha=34`` on 28x28). Each sample's noise comes from its own
generator seeded with its recorded ``seed``, so a record replays exactly, on any subset of the
batch, without storing the field.

Perspective moves each corner of the image inward by a drawn fraction and maps that quadrilateral
onto the whole output (as albumentations' ``Perspective`` with ``keep_size=True``).

Both resample bilinearly with a constant border ``fill``, the whole batch in one call for small
images (:func:`augfit.transforms.image.functional.remap`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import cv2
import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..constraints import Fill, Range, Real, Table
from . import functional as F
from .blur import MAX_SIGMA, gaussian_size
from .core import ImageTransform

MAX_CHANNELS = 128
"""Noise planes smoothed per OpenCV call (OpenCV's Python binding wraps at most 128 channels)."""
MAX_CORNER = 0.3
"""Largest inward move of a corner, as a fraction of the side (Perspective)."""


def uniform_noise(seeds: np.ndarray, size: int) -> np.ndarray:
    """``(N, size)`` float32 noise, uniform in [-1, 1); row ``i`` is
    ``2 * np.random.default_rng(seeds[i]).random(size, np.float32) - 1``, so it depends only on
    its own seed."""
    out = np.empty((len(seeds), size), np.float32)
    for i, seed in enumerate(np.asarray(seeds, np.int64).tolist()):
        np.random.default_rng(seed).random(size, dtype=np.float32, out=out[i])
    out *= np.float32(2.0)
    out -= np.float32(1.0)
    return out


def smooth_planes(planes: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing (``BORDER_REFLECT_101``) of each plane of ``(K, H, W)`` float32.

    Small planes are stacked as the channels of one image (up to :data:`MAX_CHANNELS` per OpenCV
    call); large ones are smoothed one by one (measured: 4x faster than stacking at 128x128, 2x
    slower at 28x28). Both give the same values.
    """
    k = gaussian_size(sigma)
    out = np.empty_like(planes)
    if planes.shape[1] * planes.shape[2] > F.SMALL_IMAGE_PIXELS:
        for i in range(planes.shape[0]):
            cv2.GaussianBlur(planes[i], (k, k), sigma, dst=out[i],
                             borderType=cv2.BORDER_REFLECT_101)
        return out
    for s in range(0, planes.shape[0], MAX_CHANNELS):
        stack = np.ascontiguousarray(planes[s:s + MAX_CHANNELS].transpose(1, 2, 0))
        res = cv2.GaussianBlur(stack, (k, k), sigma, borderType=cv2.BORDER_REFLECT_101)
        out[s:s + MAX_CHANNELS] = res.reshape(stack.shape).transpose(2, 0, 1)
    return out


def elastic_fields(seeds: np.ndarray, alpha: np.ndarray, sigma: float,
                   hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Source coordinates ``(sx, sy)``, each ``(N, H, W)`` float32, of the elastic warps."""
    n, (h, w) = len(seeds), hw
    planes = smooth_planes(uniform_noise(seeds, 2 * h * w).reshape(2 * n, h, w), sigma)
    planes = planes.reshape(n, 2, h, w)
    planes *= np.asarray(alpha, np.float32)[:, None, None, None]
    planes[:, 0] += np.arange(w, dtype=np.float32)[None, None, :]
    planes[:, 1] += np.arange(h, dtype=np.float32)[None, :, None]
    return planes[:, 0], planes[:, 1]


@TRANSFORMS.register()
class ElasticTransform(ImageTransform):
    """Elastic distortion (Simard et al. 2003): smoothed random displacements, scaled by alpha.

    Parameters
    ----------
    alpha : (float, float)
        Range of the displacement scale in pixels, drawn per sample, within [0, 1000].
    sigma : float
        Smoothing of the field in pixels, in (0, 20]: small values jitter, large ones bend.
    fill : float
        Border value where a pixel samples outside the image, a fraction of the maximum.
    p : float
        Probability per sample.

    The record holds ``alpha`` and ``seed`` (of the sample's noise field) per sample.
    """

    family = "warp"
    sigma: float
    fill: float
    _parameter_constraints: ClassVar[Table] = {
        "alpha": Range(0.0, 1000.0),
        "sigma": Real(0.0, MAX_SIGMA, low_open=True, hint=" (pixels)"),
        "fill": Fill()}

    def __init__(self, alpha: Sequence[float] = (30.0, 40.0), sigma: float = 4.0,
                 fill: float = 0.0, p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del alpha, sigma, fill
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"alpha": self.uniform(rng, "alpha", n),
                "seed": rng.integers(0, 2 ** 63 - 1, size=n, dtype=np.int64)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        sx, sy = elastic_fields(np.asarray(params["seed"], np.int64),
                                np.asarray(params["alpha"], float), self.sigma, batch.shape[1:3])
        return F.remap(batch, sx, sy, self.fill)


def homographies(corners: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """``(N, 3, 3)`` maps from output pixels to input pixels: the output's corners go to the
    input's corners moved inward by ``corners`` ``(N, 4, 2)`` (fractions of (W-1, H-1), in the
    order top-left, top-right, bottom-right, bottom-left; x then y)."""
    h, w = hw
    n = corners.shape[0]
    box = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    inward = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])
    size = np.array([w - 1.0, h - 1.0])
    dst = (box[None] + inward[None] * corners) * size   # where each output corner samples
    src = np.broadcast_to(box * size, (n, 4, 2))         # the output's corners
    a = np.zeros((n, 8, 8))
    u, v = src[..., 0], src[..., 1]
    x, y = dst[..., 0], dst[..., 1]
    a[:, 0::2, 0], a[:, 0::2, 1], a[:, 0::2, 2] = u, v, 1.0
    a[:, 1::2, 3], a[:, 1::2, 4], a[:, 1::2, 5] = u, v, 1.0
    a[:, 0::2, 6], a[:, 0::2, 7] = -u * x, -v * x
    a[:, 1::2, 6], a[:, 1::2, 7] = -u * y, -v * y
    b = np.stack([x, y], axis=2).reshape(n, 8)
    m = np.ones((n, 9))
    m[:, :8] = np.linalg.solve(a, b[..., None])[..., 0]
    return m.reshape(n, 3, 3)


@TRANSFORMS.register()
class Perspective(ImageTransform):
    """Perspective distortion: each corner moves inward by a drawn share of the image's side.

    Parameters
    ----------
    scale : (float, float)
        Per sample a scale ``s`` is drawn from this range (within [0, 0.3]); each corner then
        moves inward by ``|N(0, s)|`` of the width and of the height (at most 0.3), and that
        quadrilateral is stretched over the whole output.
    fill : float
        Border value, a fraction of the maximum.
    p : float
        Probability per sample.

    The record holds ``corners`` ``(N, 4, 2)``: the inward moves of the top-left, top-right,
    bottom-right and bottom-left corners (x, y), as fractions.
    """

    family = "warp"
    fill: float
    _parameter_constraints: ClassVar[Table] = {"scale": Range(0.0, MAX_CORNER), "fill": Fill()}

    def __init__(self, scale: Sequence[float] = (0.05, 0.1), fill: float = 0.0,
                 p: float = 1.0) -> None:
        del scale, fill  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        s = self.uniform(rng, "scale", n)
        moves = np.abs(rng.standard_normal((n, 4, 2))) * s[:, None, None]
        return {"corners": np.minimum(moves, MAX_CORNER)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        corners = np.asarray(params["corners"], float).reshape(-1, 4, 2)
        return F.warp_perspective(batch, homographies(corners, batch.shape[1:3]), self.fill)


__all__ = ["ElasticTransform", "Perspective", "elastic_fields", "homographies", "uniform_noise"]
