"""CutMix (Yun et al. 2019) for image batches: paste a box of the partner image, labels by area.

Each applied sample gets ``λ ~ Beta(α, α)``, a box centre uniform over the image and half-sides
``int(0.5·sqrt(1 - λ)·H)`` and ``int(0.5·sqrt(1 - λ)·W)``, clipped to the image (torchvision v2's
rule). The labels are mixed by the area actually kept after clipping: ``w = 1 - box_area / (H·W)``.
MixUp (any numeric batch, images included) is :class:`augfit.transforms.mixing.MixUp`.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..mixing import LabelMixing, per_chunk
from .core import ImageTransform

TABLE_MAX_SIDE = 64
"""Images up to this many pixels a side build box masks from a table of row intervals."""


@lru_cache(maxsize=8)
def _intervals(length: int) -> np.ndarray:
    """Boolean rows ``[s, e)`` of ``length`` for every ``0 <= s <= e <= length`` (row
    ``s * (length + 1) + e``), then one all-False row."""
    table = np.zeros(((length + 1) ** 2 + 1, length), bool)
    for s in range(length + 1):
        for e in range(s + 1, length + 1):
            table[s * (length + 1) + e, s:e] = True
    return table


def box_mask(y0: np.ndarray, y1: np.ndarray, x0: np.ndarray, x1: np.ndarray,
             hw: tuple[int, int]) -> np.ndarray:
    """Boolean ``(N, H, W)``: True inside each sample's box ``[y0, y1) x [x0, x1)``."""
    h, w = hw
    if max(h, w) > TABLE_MAX_SIDE:
        rows = (np.arange(h) >= y0[:, None]) & (np.arange(h) < y1[:, None])
        cols = (np.arange(w) >= x0[:, None]) & (np.arange(w) < x1[:, None])
        return rows[:, :, None] & cols[:, None, :]
    # small images: one table lookup per image row (the broadcast AND runs 28-wide inner loops)
    rows = _intervals(h)[y0 * (h + 1) + y1]
    code = np.where(rows, (x0 * (w + 1) + x1)[:, None], (w + 1) ** 2)
    return np.take(_intervals(w), code.ravel(), axis=0).reshape(len(y0), h, w)


@TRANSFORMS.register()
class CutMix(LabelMixing, ImageTransform):
    """Replace a box of each image by the same box of its partner; labels mixed by the kept area.

    Parameters
    ----------
    alpha : float
        ``λ ~ Beta(α, α)`` per sample (``α > 0``; 1.0 is the paper's choice): the box covers about
        ``1 - λ`` of the image before clipping.
    p : float
        Probability per sample.

    The record holds ``lam``, ``partner``, the box ``y0, y1, x0, x1`` and ``weight``, the kept
    share that mixes the labels. Shape and dtype are kept.
    """

    def __init__(self, alpha: float = 1.0, p: float = 1.0) -> None:
        super().__init__(alpha, p)

    def draw(self, rng: np.random.Generator, batch: Any, lam: np.ndarray
             ) -> tuple[Params, np.ndarray]:
        h, w = batch.shape[1:3]
        n = lam.shape[0]
        cy, cx = rng.integers(0, h, size=n), rng.integers(0, w, size=n)
        r = 0.5 * np.sqrt(1.0 - lam)
        hh, hw_ = (r * h).astype(np.int64), (r * w).astype(np.int64)
        y0, y1 = np.maximum(cy - hh, 0), np.minimum(cy + hh, h)
        x0, x1 = np.maximum(cx - hw_, 0), np.minimum(cx + hw_, w)
        weight = 1.0 - (y1 - y0) * (x1 - x0) / float(h * w)
        return {"y0": y0, "y1": y1, "x0": x0, "x1": x1}, weight

    def mix(self, a: Any, b: Any, params: Params) -> Any:
        y0, y1 = np.asarray(params["y0"]), np.asarray(params["y1"])
        x0, x1 = np.asarray(params["x0"]), np.asarray(params["x1"])
        out = a.copy()

        def part(s: slice) -> None:
            mask = box_mask(y0[s], y1[s], x0[s], x1[s], a.shape[1:3])
            np.copyto(out[s], b[s], where=mask[..., None] if a.ndim == 4 else mask)

        per_chunk(part, a.shape[0], a.size)
        return out

    @classmethod
    def example_args(cls) -> dict[str, Any]:
        return {"alpha": 1.0}


__all__ = ["CutMix", "box_mask"]
