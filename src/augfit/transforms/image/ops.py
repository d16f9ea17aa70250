"""Batched kernels of the automatic-augmentation operations (PIL/torchvision semantics).

Every kernel takes a batch ``(N, H, W)`` or ``(N, H, W, C)`` (uint8, or float32 in [0, 1]) and
one magnitude per sample, returns a new batch of the same shape and dtype, and draws nothing. They
follow torchvision v2's tensor kernels (``torchvision/transforms/v2/functional/_color.py``):

- ``brightness``/``color``/``contrast``/``sharpness`` blend the image with a degenerate version
  (black; its greyscale; the mean of its greyscale; a 3x3 smoothing of its interior) by a factor
  ``f``: ``clip(f·x + (1 - f)·degenerate)``, cast back to uint8 by truncation as torchvision does;
- ``posterize`` keeps the top ``bits`` bits; ``solarize`` inverts values ``>= threshold``;
- ``autocontrast`` stretches each channel to the full range; ``equalize`` equalizes each channel's
  histogram with PIL's lookup table (float images go through uint8).

Grey batches have no colour, so ``color`` returns them unchanged (as torchvision and PIL do).
"""
from __future__ import annotations

import numpy as np

from .functional import GRAY_WEIGHTS, max_value

_SMOOTH = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13.0


def _per_sample(v: np.ndarray, ndim: int) -> np.ndarray:
    return np.asarray(v, np.float32).reshape((-1,) + (1,) * (ndim - 1))


def _to_dtype(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Clip float results to the value range and cast (uint8: truncation, like torch's .to())."""
    peak = max_value(dtype)
    np.clip(out, 0.0, peak, out=out)
    return out.astype(dtype) if dtype == np.uint8 else out


def blend(x: np.ndarray, degenerate: np.ndarray | float, factor: np.ndarray) -> np.ndarray:
    """``clip(f·x + (1 - f)·degenerate)`` per sample (``factor`` shape ``(N,)``)."""
    f = _per_sample(factor, x.ndim)
    out = x.astype(np.float32)
    out *= f
    out += (1.0 - f) * degenerate
    return _to_dtype(out, x.dtype)


def grayscale(x: np.ndarray) -> np.ndarray:
    """Luma ``(N, H, W, 1)`` (float32; floored for uint8 as torchvision does) of RGB batches."""
    y = x[..., :3].astype(np.float32) @ GRAY_WEIGHTS
    if x.dtype == np.uint8:
        np.floor(y, out=y)
    return y[..., None]


def _is_color(x: np.ndarray) -> bool:
    return x.ndim == 4 and x.shape[-1] >= 3


def brightness(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Blend with black: ``clip(f·x)``."""
    return blend(x, 0.0, factor)


def color(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Saturation: blend with the greyscale image (grey batches come back unchanged)."""
    if not _is_color(x):
        result: np.ndarray = x.copy()
        return result
    if x.shape[-1] == 4:  # keep alpha
        out = x.copy()
        out[..., :3] = blend(np.ascontiguousarray(x[..., :3]), grayscale(x), factor)
        result = out
        return result
    return blend(x, grayscale(x), factor)


def contrast(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Blend with the mean of the greyscale image."""
    if _is_color(x):
        mean = grayscale(x).mean(axis=(1, 2, 3))
    else:
        mean = x.reshape(x.shape[0], -1).astype(np.float32).mean(axis=1)
    return blend(x, _per_sample(mean, x.ndim), factor)


def sharpness(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Blend the interior with its 3x3 smoothing ``[[1,1,1],[1,5,1],[1,1,1]]/13``; the border
    rows and columns are kept (images under 3x3 come back unchanged)."""
    h, w = x.shape[1:3]
    if h <= 2 or w <= 2:
        result: np.ndarray = x.copy()
        return result
    xf = x.astype(np.float32)
    smooth = np.zeros_like(xf[:, 1:-1, 1:-1])
    for dy in range(3):
        for dx in range(3):
            smooth += _SMOOTH[dy, dx] * xf[:, dy:dy + h - 2, dx:dx + w - 2]
    if x.dtype == np.uint8:
        np.rint(smooth, out=smooth)
    f = _per_sample(factor, x.ndim)
    inner = xf[:, 1:-1, 1:-1]
    inner *= f
    inner += (1.0 - f) * smooth
    return _to_dtype(xf, x.dtype)


def posterize(x: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Keep the top ``bits`` (0-8) bits of each value."""
    b = np.asarray(bits, np.int64)
    if x.dtype == np.uint8:
        mask = ((1 << b) - 1) << (8 - b)  # 8 bits -> 0xFF, 0 bits -> 0
        return x & mask.astype(np.uint8).reshape((-1,) + (1,) * (x.ndim - 1))
    levels = _per_sample(2.0 ** b, x.ndim)
    out = np.floor(x * levels)
    np.clip(out, 0, levels - 1, out=out)
    out /= levels
    result: np.ndarray = out.astype(np.float32)
    return result


def solarize(x: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Invert the values ``>= threshold`` (a fraction of the maximum, per sample)."""
    peak = max_value(x.dtype)
    t = _per_sample(np.asarray(threshold, np.float64) * peak, x.ndim)
    return np.where(x >= t, (peak - x).astype(x.dtype), x)


def autocontrast(x: np.ndarray) -> np.ndarray:
    """Stretch each channel of each image linearly to ``[0, max]`` (flat channels unchanged)."""
    peak = max_value(x.dtype)
    xf = x.astype(np.float32)
    lo = xf.min(axis=(1, 2), keepdims=True)
    hi = xf.max(axis=(1, 2), keepdims=True)
    flat = hi == lo
    scale = np.where(flat, 1.0, peak / np.where(flat, 1.0, hi - lo))
    xf -= np.where(flat, 0.0, lo)
    xf *= scale
    return _to_dtype(xf, x.dtype)


def equalize(x: np.ndarray) -> np.ndarray:
    """Histogram equalization of each channel of each image with PIL's lookup table."""
    u8 = x if x.dtype == np.uint8 else np.rint(x * 255.0).astype(np.uint8)
    chw = u8[..., None] if u8.ndim == 3 else u8
    n, h, w, c = chw.shape
    planes = np.ascontiguousarray(np.moveaxis(chw, 3, 1)).reshape(n * c, h * w)
    rows = np.arange(n * c)[:, None]
    hist = np.bincount((planes + rows * 256).ravel(), minlength=n * c * 256).reshape(n * c, 256)
    cum = hist.cumsum(axis=1)
    last = np.take_along_axis(hist, cum.argmax(axis=1)[:, None], axis=1)  # count of the top value
    step = (h * w - last) // 255
    lut = np.zeros((n * c, 256), np.int64)
    lut[:, 1:] = (cum[:, :-1] + step // 2) // np.maximum(step, 1)
    np.clip(lut, 0, 255, out=lut)
    eq = np.take_along_axis(lut.astype(np.uint8), planes, axis=1)
    eq = np.where(step > 0, eq, planes)
    out = np.moveaxis(eq.reshape(n, c, h, w), 1, 3)
    out = out[..., 0] if u8.ndim == 3 else out
    return np.ascontiguousarray(out) if x.dtype == np.uint8 else (out / 255.0).astype(np.float32)


def shear_matrices(sx: np.ndarray, sy: np.ndarray, cx: float, cy: float) -> np.ndarray:
    """Forward maps ``(N, 3, 3)`` of shears about the point ``(cx, cy)`` (pixel coordinates):
    ``x' = x - sx·(y - cy)``, ``y' = y - sy·(x - cx)`` (torchvision's sign for a positive shear)."""
    sx, sy = np.asarray(sx, float), np.asarray(sy, float)
    m = np.zeros((len(sx), 3, 3))
    m[:, 0, 0] = m[:, 1, 1] = m[:, 2, 2] = 1.0
    m[:, 0, 1], m[:, 0, 2] = -sx, sx * cy
    m[:, 1, 0], m[:, 1, 2] = -sy, sy * cx
    return m


__all__ = [
    "autocontrast",
    "blend",
    "brightness",
    "color",
    "contrast",
    "equalize",
    "grayscale",
    "posterize",
    "sharpness",
    "shear_matrices",
    "solarize",
]
