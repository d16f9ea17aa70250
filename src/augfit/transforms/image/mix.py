"""CutMix (Yun et al. 2019) for image batches: paste a box of the partner image, labels by area.

Each applied sample gets ``λ ~ Beta(α, α)``, a box centre uniform over the image and half-sides
``int(0.5·sqrt(1 - λ)·H)`` and ``int(0.5·sqrt(1 - λ)·W)``, clipped to the image (torchvision v2's
rule). The labels are mixed by the area actually kept after clipping: ``w = 1 - box_area / (H·W)``.
MixUp (any numeric batch, images included) is :class:`augfit.transforms.mixing.MixUp`.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import cv2
import numpy as np

from ...registry import TRANSFORMS
from ..base import Params
from ..mixing import LabelMixing
from ..parallel import per_chunk
from .core import ImageTransform

CHUNK_BYTES = 1 << 18
"""CutMix pastes blocks of about this many bytes at a time (masks and temporaries stay in cache)."""
IMAGE_TABLE_BYTES = 1 << 22
"""Images whose table of whole-image column masks fits in this many bytes (28x28: 0.66 MB) look
up each image's column mask in one piece; others one image row at a time."""
LOOP_BYTES = 1 << 14
"""Images of this many bytes or more, or wider than :data:`TABLE_MAX_SIDE`, get their box copied
by slicing, one image at a time: for large images the per-image call costs less than masks
(measured here: the two are about even near 12 kB per image; below that, masks win)."""
TABLE_MAX_SIDE = 64
"""See :data:`LOOP_BYTES` (the one-row table of a width ``W`` holds ``(W + 1)²`` rows)."""
PIXEL_BYTES = (32, 24, 16, 12, 8, 6, 4, 3, 2, 1)
"""Pixel sizes in bytes that ``cv2.copyTo`` has its own masked-copy loop for (others go byte by
byte, 3-10 times slower): image rows are copied as pixels of the largest size dividing a row."""


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
def _outside(length: int) -> np.ndarray:
    """:func:`_intervals` negated, as uint8: 1 outside ``[s, e)`` (the last row: 1 everywhere)."""
    return (~_intervals(length)).view(np.uint8)


@lru_cache(maxsize=8)
def _outside_columns(h: int, w: int) -> np.ndarray:
    """Whole-image uint8 masks ``(.., H*W)``: 1 outside columns ``[s, e)`` (row
    ``s * (W + 1) + e``), in every image row."""
    cols = _outside(w)[:-1]
    return np.broadcast_to(cols[:, None, :], (len(cols), h, w)).reshape(len(cols), h * w)


def _pastes_by_slicing(h: int, w: int, px: int) -> bool:
    """True for images a box is best copied into by slicing (see :data:`TABLE_MAX_SIDE`)."""
    return h * w * px >= LOOP_BYTES or w > TABLE_MAX_SIDE


def _masks(box: tuple[np.ndarray, ...], hw: tuple[int, int], split: int = 1
           ) -> tuple[np.ndarray, Callable[[slice], np.ndarray]]:
    """``(rows, cols)``: ``rows`` uint8 ``(N, H·split)``, 1 on the image rows outside ``[y0, y1)``
    (each row's byte ``split`` times); ``cols(j)`` uint8 ``(len(j)·H, W)``, 1 outside columns
    ``[x0, x1)`` on every row of the images ``j``. A box is the pixels where both are 0. Table
    lookups: the columns by one whole-image row per image where that table is small
    (:data:`IMAGE_TABLE_BYTES`), else by one row per image row."""
    y0, y1, x0, x1 = box
    h, w = hw
    rows = _outside_rows(h, split).take(y0 * (h + 1) + y1, axis=0)
    code = x0 * (w + 1) + x1
    if (w + 1) ** 2 * h * w <= IMAGE_TABLE_BYTES:
        table = _outside_columns(h, w)
        return rows, lambda j: table.take(code[j], axis=0).reshape(-1, w)
    per_row = np.repeat(code, h)
    return rows, lambda j: _outside(w).take(per_row[j.start * h:j.stop * h], axis=0)


@lru_cache(maxsize=8)
def _outside_rows(h: int, split: int) -> np.ndarray:
    """:func:`_outside` of ``h`` with each byte ``split`` times."""
    return np.repeat(_outside(h), split, axis=1)


def box_mask(y0: np.ndarray, y1: np.ndarray, x0: np.ndarray, x1: np.ndarray,
             hw: tuple[int, int]) -> np.ndarray:
    """Boolean ``(N, H, W)``: True inside each sample's box ``[y0, y1) x [x0, x1)``, from the
    masks :func:`paste_boxes` uses."""
    box = tuple(np.asarray(v, np.int64) for v in (y0, y1, x0, x1))
    rows, cols = _masks(box, hw)
    outside = cols(slice(0, len(rows))).reshape(len(rows), *hw) | rows[:, :, None]
    result: np.ndarray = outside == 0
    return result


def _as_pixels(x: np.ndarray) -> np.ndarray:
    """The batch as uint8 ``(N, H, W, bytes per pixel)`` (a view where it is contiguous)."""
    n, h, w = x.shape[:3]
    return np.ascontiguousarray(x).view(np.uint8).reshape(n, h, w, -1)


def paste_boxes(a: np.ndarray, b: np.ndarray, partner: np.ndarray, params: Params) -> np.ndarray:
    """Each image of ``a`` with the box ``[y0, y1) x [x0, x1)`` of ``b[partner[i]]`` pasted in
    (``partner`` must index ``b``).

    Bytes are copied, never values, so any dtype comes back bit for bit. Small images, in blocks
    of about :data:`CHUNK_BYTES`: the partners are gathered into the output, then two masked
    copies (``cv2.copyTo``) restore from ``a`` the image rows outside the box (an image row is one
    pixel there, so its mask is one byte) and the columns outside it (:func:`_masks`). Large
    images (:func:`_pastes_by_slicing`): a copy of ``a``, then each box by slicing.
    """
    box = tuple([np.asarray(params[k], np.int64) for k in ("y0", "y1", "x0", "x1")])
    partner = np.asarray(partner, np.int64)
    a8 = _as_pixels(a)
    b8 = a8 if b is a else _as_pixels(b)
    out = np.empty_like(a8)
    n, h, w, px = a8.shape
    if _pastes_by_slicing(h, w, px):
        part = _slicer(a8, b8, out, partner, box)
    else:
        part = _masked_paster(a8, b8, out, partner, box)
    per_chunk(part, n, a8.size)
    return out.view(a.dtype).reshape(a.shape)


def _masked_paster(a8: np.ndarray, b8: np.ndarray, out: np.ndarray, partner: np.ndarray,
                   box: tuple[np.ndarray, ...]) -> Callable[[slice], None]:
    """``part(s)``: the images ``s`` of :func:`paste_boxes`'s small-image path into ``out``."""
    h, w, px = a8.shape[1:]
    # an image row is `split` OpenCV pixels of a size its masked copy has a fast loop for
    split = _row_split(w * px)
    rows, cols = _masks(box, (h, w), split)
    step = max(1, CHUNK_BYTES // (h * w * px))
    by_row, by_pixel = (-1, h * split, w * px // split), (-1, w, px)

    def part(s: slice) -> None:
        for i in range(s.start, s.stop, step):
            j = slice(i, min(i + step, s.stop))
            o, src = out[j], a8[j]
            np.take(b8, partner[j], axis=0, out=o, mode="clip")  # clip: no buffered copy
            cv2.copyTo(src.reshape(by_row), rows[j], o.reshape(by_row))
            cv2.copyTo(src.reshape(by_pixel), cols(j), o.reshape(by_pixel))

    return part


@lru_cache(maxsize=64)
def _row_split(row_bytes: int) -> int:
    """OpenCV pixels per image row: the row cut into pixels of the largest :data:`PIXEL_BYTES`
    size that divides it."""
    return row_bytes // next(e for e in PIXEL_BYTES if row_bytes % e == 0)


def _slicer(a8: np.ndarray, b8: np.ndarray, out: np.ndarray, partner: np.ndarray,
            box: tuple[np.ndarray, ...]) -> Callable[[slice], None]:
    """``part(s)``: images ``s`` of ``a8`` into ``out``, each box then copied from its partner."""
    y0, y1, x0, x1, p = (v.tolist() for v in (*box, partner))

    def part(s: slice) -> None:
        out[s] = a8[s]
        for i in range(s.start, s.stop):
            if y1[i] > y0[i] and x1[i] > x0[i]:
                out[i, y0[i]:y1[i], x0[i]:x1[i]] = b8[p[i], y0[i]:y1[i], x0[i]:x1[i]]

    return part


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
        r = np.sqrt(1.0 - lam)
        r *= 0.5
        # rows y and x of one array: the values of the same expressions axis by axis
        if h == w:  # one call draws the numbers of two (bounded 32-bit draws keep no buffer)
            centre, side = rng.integers(0, h, size=2 * n).reshape(2, n), np.int64(h)
            half = (r * h).astype(np.int64)
        else:
            centre = np.stack([rng.integers(0, h, size=n), rng.integers(0, w, size=n)])
            side = np.array([[h], [w]])
            half = (r * side).astype(np.int64)
        lo, hi = centre - half, centre + half
        np.maximum(lo, 0, out=lo)
        np.minimum(hi, side, out=hi)
        kept = hi - lo
        weight = (kept[0] * kept[1]) / float(h * w)
        np.subtract(1.0, weight, out=weight)
        return {"y0": lo[0], "y1": hi[0], "x0": lo[1], "x1": hi[1]}, weight

    def mix(self, a: np.ndarray, b: np.ndarray, params: Params) -> np.ndarray:
        return paste_boxes(a, b, np.arange(len(a)), params)

    def mix_partners(self, batch: np.ndarray, partner: np.ndarray, params: Params) -> np.ndarray:
        return paste_boxes(batch, batch, partner, params)


__all__ = ["CutMix", "box_mask", "paste_boxes"]
