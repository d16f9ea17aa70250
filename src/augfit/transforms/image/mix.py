"""CutMix (Yun et al. 2019) for image batches: paste a box of the partner image, labels by area.

Each applied sample gets ``λ ~ Beta(α, α)``, a box centre uniform over the image and half-sides
``int(0.5·sqrt(1 - λ)·H)`` and ``int(0.5·sqrt(1 - λ)·W)``, clipped to the image (torchvision v2's
rule). The labels are mixed by the area actually kept after clipping: ``w = 1 - box_area / (H·W)``.
MixUp (any numeric batch, images included) is :class:`augfit.transforms.mixing.MixUp`.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..mixing import LabelMixing
from ..parallel import per_chunk
from .core import ImageTransform

CHUNK_VALUES = 1 << 17
"""CutMix mixes blocks of about this many values at a time (masks and temporaries stay in cache)."""
IMAGE_TABLE_BYTES = 1 << 22
"""Images whose two whole-image mask tables fit in this many bytes (28x28: 1.3 MB) build box
masks by two table lookups."""
TABLE_MAX_SIDE = 64
"""Larger images up to this many pixels a side build box masks from a table of row intervals."""


@lru_cache(maxsize=8)
def _intervals(length: int) -> np.ndarray:
    """Boolean rows ``[s, e)`` of ``length`` for every ``0 <= s <= e <= length`` (row
    ``s * (length + 1) + e``), then one all-False row."""
    table = np.zeros(((length + 1) ** 2 + 1, length), bool)
    for s in range(length + 1):
        for e in range(s + 1, length + 1):
            table[s * (length + 1) + e, s:e] = True
    return table


@lru_cache(maxsize=8)
def _box_tables(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Whole-image masks ``(.., H*W)``: rows ``[s, e)`` of the image (row ``s * (H + 1) + e``)
    and columns ``[s, e)`` (row ``s * (W + 1) + e``)."""
    rows, cols = _intervals(h)[:-1], _intervals(w)[:-1]
    by_row = np.broadcast_to(rows[:, :, None], (len(rows), h, w)).reshape(len(rows), h * w)
    by_col = np.broadcast_to(cols[:, None, :], (len(cols), h, w)).reshape(len(cols), h * w)
    return by_row, by_col


def box_mask(y0: np.ndarray, y1: np.ndarray, x0: np.ndarray, x1: np.ndarray,
             hw: tuple[int, int]) -> np.ndarray:
    """Boolean ``(N, H, W)``: True inside each sample's box ``[y0, y1) x [x0, x1)``."""
    h, w = hw
    if ((h + 1) ** 2 + (w + 1) ** 2) * h * w <= IMAGE_TABLE_BYTES:
        # small images: two whole-image lookups (rows, columns) and one AND, all long loops
        by_row, by_col = _box_tables(h, w)
        inside = np.take(by_row, y0 * (h + 1) + y1, axis=0)
        inside &= np.take(by_col, x0 * (w + 1) + x1, axis=0)
        result: np.ndarray = inside.reshape(len(y0), h, w)
        return result
    if max(h, w) > TABLE_MAX_SIDE:
        rows = (np.arange(h) >= y0[:, None]) & (np.arange(h) < y1[:, None])
        cols = (np.arange(w) >= x0[:, None]) & (np.arange(w) < x1[:, None])
        return rows[:, :, None] & cols[:, None, :]
    # mid-sized images: one table lookup per image row (the broadcast AND runs short inner loops)
    rows = _intervals(h)[y0 * (h + 1) + y1]
    code = np.where(rows, (x0 * (w + 1) + x1)[:, None], (w + 1) ** 2)
    return np.take(_intervals(w), code.ravel(), axis=0).reshape(len(y0), h, w)


def paste_boxes(a: np.ndarray, b: np.ndarray, partner: np.ndarray, params: Params) -> np.ndarray:
    """Each image of ``a`` with the box ``[y0, y1) x [x0, x1)`` of ``b[partner[i]]`` pasted in.

    Blocks of about :data:`CHUNK_VALUES` values at a time: the partners are gathered and the box
    masks built per block, so the temporaries stay in cache. Bit patterns are selected, not
    values: ``out = a ^ ((a ^ b) * inside)`` on unsigned integers of the pixel's width, over rows
    of W*C values (``np.copyto(..., where=mask)`` is about 100 times slower).
    """
    y0, y1 = np.asarray(params["y0"]), np.asarray(params["y1"])
    n, (h, w) = len(a), a.shape[1:3]
    c = a.shape[3] if a.ndim == 4 else 1
    x0, x1 = np.asarray(params["x0"]) * c, np.asarray(params["x1"]) * c
    bits = np.dtype(f"u{a.dtype.itemsize}")
    ai = np.ascontiguousarray(a).view(bits).reshape(n, h, w * c)
    bi = np.ascontiguousarray(b).view(bits).reshape(len(b), h, w * c)
    out = np.empty_like(ai)
    step = max(1, CHUNK_VALUES // (h * w * c))
    inside = _box_masker(y0, y1, x0, x1, (h, w * c))

    def part(s: slice) -> None:
        for i in range(s.start, s.stop, step):
            j = slice(i, min(i + step, s.stop))
            m = inside(j)
            ones = m.view(np.uint8) if bits.itemsize == 1 else m.astype(bits)
            np.bitwise_xor(ai[j], bi.take(partner[j], axis=0), out=out[j])
            np.multiply(out[j], ones, out=out[j])  # same dtypes: no casting loop
            np.bitwise_xor(out[j], ai[j], out=out[j])

    per_chunk(part, n, a.size)
    return out.view(a.dtype).reshape(a.shape)


def _box_masker(y0: np.ndarray, y1: np.ndarray, x0: np.ndarray, x1: np.ndarray,
                hw: tuple[int, int]) -> Callable[[slice], np.ndarray]:
    """``inside(j)``: :func:`box_mask` of the samples ``j``, with the table codes computed once."""
    h, w = hw
    if ((h + 1) ** 2 + (w + 1) ** 2) * h * w > IMAGE_TABLE_BYTES:
        return lambda j: box_mask(y0[j], y1[j], x0[j], x1[j], hw)
    by_row, by_col = _box_tables(h, w)
    rows, cols = y0 * (h + 1) + y1, x0 * (w + 1) + x1

    def inside(j: slice) -> np.ndarray:
        m = by_row.take(rows[j], axis=0)
        m &= by_col.take(cols[j], axis=0)
        result: np.ndarray = m.reshape(-1, h, w)
        return result

    return inside


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

    def draw(self, rng: np.random.Generator, batch: np.ndarray, lam: np.ndarray
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

    def mix(self, a: np.ndarray, b: np.ndarray, params: Params) -> np.ndarray:
        return paste_boxes(a, b, np.arange(len(a)), params)

    def mix_partners(self, batch: np.ndarray, partner: np.ndarray, params: Params) -> np.ndarray:
        return paste_boxes(batch, batch, partner, params)


__all__ = ["CutMix", "box_mask", "paste_boxes"]
