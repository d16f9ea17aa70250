"""GaussianNoise and Cutout (random erasing).

GaussianNoise records one integer seed per sample rather than the noise itself, so records stay
small and a replay (or any subset of the batch) regenerates exactly the same noise.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from ...registry import TRANSFORMS
from ...rng import as_generator
from ..base import MAX_COUNT, Params
from ..constraints import Fill, Integer, Range, Table
from . import functional as F
from .core import ImageTransform


@TRANSFORMS.register()
class GaussianNoise(ImageTransform):
    """Add N(0, sigma^2) noise per pixel, ``sigma`` drawn per sample from ``std`` (fraction of max).

    Parameters
    ----------
    std : (float, float)
        Range of the noise standard deviation as a fraction of the maximum value, within [0, 1].
    """

    family = "noise"
    _parameter_constraints: ClassVar[Table] = {"std": Range(0.0, 1.0)}

    def __init__(self, std: Sequence[float] = (0.02, 0.1), p: float = 1.0) -> None:
        del std  # checked and kept by the constraint table (Transform.check_arguments)
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        del batch
        return {"sigma": self.uniform(rng, "std", n),
                "seed": rng.integers(0, 2**63 - 1, size=n, dtype=np.int64)}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        shape = batch.shape[1:]
        noise = np.empty(batch.shape, np.float32)
        for i, s in enumerate(params["seed"]):
            noise[i] = as_generator(int(s)).standard_normal(shape, dtype=np.float32)
        peak = F.max_value(batch.dtype)
        noise *= (np.asarray(params["sigma"], np.float32) * peak).reshape((-1,) + (1,) * len(shape))
        noise += batch
        if batch.dtype == np.uint8:
            return np.clip(np.rint(noise), 0, 255).astype(np.uint8)
        return np.clip(noise, 0.0, 1.0, out=noise)


@TRANSFORMS.register()
class Cutout(ImageTransform):
    """Erase ``holes`` rectangles per sample, each side a fraction of the image drawn from ``size``.

    Parameters
    ----------
    holes : int
        Rectangles per sample (>= 1); they may overlap.
    size : (float, float)
        Side length range as a fraction of the image height/width, within (0, 1].
    fill : float
        Value written into the holes, a fraction of the maximum (0 black, 1 white).
    """

    family = "noise"
    holes: int
    fill: float
    _parameter_constraints: ClassVar[Table] = {
        "holes": Integer(1, MAX_COUNT), "size": Range(1e-6, 1.0),
        "fill": Fill()}

    def __init__(self, holes: int = 1, size: Sequence[float] = (0.1, 0.3), fill: float = 0.0,
                 p: float = 1.0) -> None:
        # checked and kept by the constraint table (Transform.check_arguments)
        del holes, size, fill
        super().__init__(p)

    def sample_params(self, rng: np.random.Generator, batch: np.ndarray, n: int) -> Params:
        H, W = batch.shape[1:3]
        k, size = self.holes, self.bounds("size")
        h = np.maximum(1, np.rint(rng.uniform(*size, size=(n, k)) * H)).astype(np.int64)
        w = np.maximum(1, np.rint(rng.uniform(*size, size=(n, k)) * W)).astype(np.int64)
        y0 = np.floor(rng.random((n, k)) * (H - h + 1)).astype(np.int64)
        x0 = np.floor(rng.random((n, k)) * (W - w + 1)).astype(np.int64)
        return {"y0": y0, "x0": x0, "h": h, "w": w}

    def apply_params(self, batch: np.ndarray, params: Params) -> np.ndarray:
        H, W = batch.shape[1:3]
        rows, cols = np.arange(H), np.arange(W)
        y0, x0 = np.asarray(params["y0"]), np.asarray(params["x0"])
        h, w = np.asarray(params["h"]), np.asarray(params["w"])
        in_r = (rows >= y0[..., None]) & (rows < (y0 + h)[..., None])  # (n, k, H)
        in_c = (cols >= x0[..., None]) & (cols < (x0 + w)[..., None])  # (n, k, W)
        mask = (in_r[:, :, :, None] & in_c[:, :, None, :]).any(axis=1)  # (n, H, W)
        out: np.ndarray = batch.copy()
        out[mask] = F.fill_in_dtype(self.fill, batch.dtype)
        return out


__all__ = ["Cutout", "GaussianNoise"]
