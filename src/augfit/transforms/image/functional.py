"""Pure batched image kernels: validation, affine resampling, per-sample brightness/contrast.

Every function takes a whole batch ``(N, H, W)`` or ``(N, H, W, C)`` (C in 1, 3, 4), uint8 or
float32 in [0, 1], plus per-sample parameters, and returns a new batch; none draws random numbers.

Resampling (:func:`warp_affine`) is bilinear with a constant border, in OpenCV's pixel convention
(pixel centres at integer coordinates), and picks its path by image size:

- small images (``H*W <= SMALL_IMAGE_PIXELS``): the batch is laid out as one tall mosaic, each
  image framed by a 1-pixel border of the fill value, and a single ``cv2.remap`` call resamples all
  of them from one vectorized coordinate map (per-image Python calls would dominate at 8x8);
- large images: one ``cv2.warpAffine`` per image, spread over the transforms' thread pool
  (:mod:`augfit.transforms.parallel`; OpenCV releases the GIL), which beats building per-pixel
  coordinate maps in NumPy.

Both paths round uint8 results the way OpenCV does (coordinates quantised to 1/32 pixel).
"""
from __future__ import annotations

import cv2
import numpy as np

from ...errors import ShapeError
from ..parallel import per_sample

SMALL_IMAGE_PIXELS = 30 * 30
"""Images with at most this many pixels use the mosaic ``remap`` path; larger ones one
``warpAffine`` per image. Measured crossover on 2 cores, batch 256: 28-32 pixels a side."""
SMALL_LUT_VALUES = 2048
"""Images with at most this many values (H*W*C) use one gather over the batch's (N, 256) table;
larger ones one ``cv2.LUT`` per image over the thread pool. Measured on 2 cores: the gather costs
about 1.5 ns a value, ``cv2.LUT`` 0.25 ns a value plus 3 us a call, so they cross near 2,400 values
(28x28 grey: 0.14 ms against 0.44 ms a batch of 128; 224x224x3: 4x slower as a gather)."""
_MAX_MOSAIC_ROWS = 32000  # cv2.remap needs fewer than SHRT_MAX rows


def check_images(batch: object, owner: str) -> None:
    """Raise ShapeError unless ``batch`` is a valid image batch (see the module docstring).

    An empty batch (N = 0) is valid: transforms return it unchanged.
    """
    if not isinstance(batch, np.ndarray):
        raise ShapeError(f"{owner}: expected images as a NumPy array (N, H, W) or (N, H, W, C), "
                         f"got {type(batch).__name__}; convert with np.asarray(x)")
    if batch.ndim == 2:
        raise ShapeError(f"{owner}: expected a batch of images (N, H, W) or (N, H, W, C), got one "
                         f"image of shape {batch.shape}; pass a batch, e.g. x[None]")
    if batch.ndim == 3 and batch.shape[-1] in (3, 4) and batch.shape[1] > 4 and batch.shape[0] > 4:
        raise ShapeError(f"{owner}: got shape {batch.shape}, which looks like one colour image "
                         f"(H, W, C); pass a batch, e.g. x[None] (a grey batch of width "
                         f"{batch.shape[-1]} is not supported)")
    if batch.ndim not in (3, 4):
        raise ShapeError(f"{owner}: expected images of shape (N, H, W) or (N, H, W, C), got "
                         f"{batch.shape}")
    if batch.ndim == 4 and batch.shape[-1] not in (1, 3, 4):
        raise ShapeError(f"{owner}: expected 1, 3 or 4 channels last (N, H, W, C), got "
                         f"{batch.shape[-1]} in shape {batch.shape}; channels-first data needs "
                         f"x.transpose(0, 2, 3, 1)")
    if batch.shape[1] == 0 or batch.shape[2] == 0:
        raise ShapeError(f"{owner}: images must have H, W >= 1, got shape {batch.shape}")
    if batch.dtype not in (np.uint8, np.float32):
        raise ShapeError(f"{owner}: expected uint8 or float32 images, got {batch.dtype}; convert "
                         f"with x.astype(np.float32) (values in [0, 1])")
    check_image_values(batch, owner)


def check_image_values(batch: np.ndarray, owner: str) -> None:
    """The one image-value contract, shared by the transforms, ``image_flatten`` and the loader:
    uint8 (0..255), or float with every value in [0, 1].

    Float images in [0, 255] (8-bit values stored as float) are refused, not guessed at: a baseline
    would otherwise train on unscaled data while augmented methods fail.
    """
    if batch.dtype == np.uint8:
        return
    if not np.issubdtype(batch.dtype, np.floating):
        raise ShapeError(f"{owner}: expected uint8 images or float images in [0, 1], got dtype "
                         f"{batch.dtype}; convert 8-bit data with x.astype(np.float32) / 255")
    if batch.size:
        lo, hi = float(batch.min()), float(batch.max())
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ShapeError(f"{owner}: float images contain NaN or inf; clean them first "
                             f"(e.g. np.nan_to_num(x))")
        if lo < 0.0 or hi > 1.0:
            hint = "divide by 255 (x / 255)" if lo >= 0.0 and hi <= 255.0 else \
                "scale them into [0, 1] or clip them"
            raise ShapeError(f"{owner}: float images must lie in [0, 1], got values in "
                             f"[{lo:.4g}, {hi:.4g}]; {hint}, or pass uint8 images")


def max_value(dtype: np.dtype) -> float:
    """255 for uint8, 1 for float32."""
    return 255.0 if dtype == np.uint8 else 1.0


def fill_in_dtype(fill: float, dtype: np.dtype) -> float:
    """A fill given as a fraction of the maximum (0 black, 1 white) in the units of ``dtype``."""
    return float(np.rint(fill * 255.0)) if dtype == np.uint8 else float(fill)


def invert(forward: np.ndarray) -> np.ndarray:
    """Inverse (output -> input) 2x3 maps of forward affine 3x3 matrices ``(N, 3, 3)``.

    Closed form (the bottom row of an affine map is ``0 0 1``): ``[A t]^-1 = [A^-1, -A^-1 t]``
    with ``A^-1 = [[e, -b], [-d, a]] / (ae - bd)``. It agrees with ``np.linalg.inv`` to the last
    bit or two of float64 (about 1e-16 relative) at a fifth of the cost per batch.
    """
    a, b, c = forward[:, 0, 0], forward[:, 0, 1], forward[:, 0, 2]
    d, e, f = forward[:, 1, 0], forward[:, 1, 1], forward[:, 1, 2]
    det = a * e - b * d
    out = np.empty((forward.shape[0], 2, 3))
    out[:, 0, 0], out[:, 0, 1] = e / det, -b / det
    out[:, 1, 0], out[:, 1, 1] = -d / det, a / det
    out[:, 0, 2] = -(out[:, 0, 0] * c + out[:, 0, 1] * f)
    out[:, 1, 2] = -(out[:, 1, 0] * c + out[:, 1, 1] * f)
    return out


def warp_affine(batch: np.ndarray, inverse: np.ndarray, out_hw: tuple[int, int],
                fill: float = 0.0) -> np.ndarray:
    """Bilinear resampling of each image with its own affine map.

    Parameters
    ----------
    batch : ndarray (N, H, W) or (N, H, W, C), uint8 or float32
    inverse : ndarray (N, 2, 3)
        Maps output pixel ``(u, v, 1)`` to the input location it samples (OpenCV's
        ``WARP_INVERSE_MAP`` convention, pixel centres at integer coordinates).
    out_hw : (int, int)
        Output height and width.
    fill : float
        Constant border value as a fraction of the maximum (0 black, 1 white).

    Returns
    -------
    ndarray (N, out_h, out_w[, C]) of the input dtype.
    """
    n = batch.shape[0]
    out = np.empty((n, *out_hw, *batch.shape[3:]), batch.dtype)
    if n == 0:
        return out
    value = fill_in_dtype(fill, batch.dtype)
    h, w = batch.shape[1:3]
    if h * w <= SMALL_IMAGE_PIXELS and out_hw[0] * out_hw[1] <= SMALL_IMAGE_PIXELS:
        step = max(1, _MAX_MOSAIC_ROWS // (max(h, out_hw[0]) + 2))
        for s in range(0, n, step):
            out[s:s + step] = _warp_mosaic(batch[s:s + step], inverse[s:s + step], out_hw, value)
        return out
    inv = np.ascontiguousarray(inverse, dtype=np.float64)
    channels = batch.shape[3:]
    border = (value,) * 4

    def one(i: int) -> None:
        res = cv2.warpAffine(batch[i], inv[i], (out_hw[1], out_hw[0]),
                             flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=border)
        out[i] = res.reshape(*out_hw, *channels)

    per_sample(one, n, parallel=True)
    return out


def _framed(batch: np.ndarray, value: float) -> np.ndarray:
    """Each image with a 1-pixel border of the fill value."""
    n, h, w = batch.shape[:3]
    framed = np.full((n, h + 2, w + 2, *batch.shape[3:]), value, batch.dtype)
    framed[:, 1:-1, 1:-1] = batch
    return framed


def _warp_mosaic(batch: np.ndarray, inverse: np.ndarray, out_hw: tuple[int, int],
                 value: float) -> np.ndarray:
    # Coordinates laid out (oh, ow, N), samples innermost: the broadcast sums then run inner loops
    # of N values instead of ow (same float32 operations in the same order, so the same bits as
    # an (N, oh, ow) layout; 0.8 ms instead of 0.96 ms for 128 images of 28x28). Per-sample terms
    # are added as one row of ow * N values (tiled), which NumPy runs as long inner loops.
    n = batch.shape[0]
    oh, ow = out_hw
    v = np.arange(oh, dtype=np.float32)[:, None, None]
    u = np.arange(ow, dtype=np.float32)[:, None]
    m = inverse.astype(np.float32)
    sx = np.empty((oh, ow, n), np.float32)
    sy = np.empty((oh, ow, n), np.float32)
    np.add(u * m[:, 0, 0], v * m[:, 0, 1], out=sx)
    _add_per_sample(sx, m[:, 0, 2])
    np.add(u * m[:, 1, 0], v * m[:, 1, 1], out=sy)
    _add_per_sample(sy, m[:, 1, 2])
    return _remap_mosaic(_framed(batch, value), sx, sy, value, samples_last=True)


def _add_per_sample(s: np.ndarray, values: np.ndarray) -> None:
    """``s[..., i] += values[i]`` in place on an ``(oh, ow, N)`` array (each element the same
    float32 sum as the broadcast ``s += values``)."""
    oh, ow, n = s.shape
    flat = s.reshape(oh, ow * n)
    flat += np.tile(values.astype(np.float32), ow)


def _remap_mosaic(framed: np.ndarray, sx: np.ndarray, sy: np.ndarray, value: float,
                  samples_last: bool = False) -> np.ndarray:
    """One ``cv2.remap`` over the framed images ``(N, H+2, W+2[, C])`` stacked as a tall mosaic;
    ``sx``, ``sy`` float32 source coordinates ``(N, oh, ow)``, or ``(oh, ow, N)`` with
    ``samples_last`` (changed in place). Returns ``(N, oh, ow[, C])``."""
    n, h, w = framed.shape[0], framed.shape[1] - 2, framed.shape[2] - 2
    channels = framed.shape[3:]
    oh, ow = sx.shape[:2] if samples_last else sx.shape[1:]
    # Clipping to the frame keeps every sample inside its own tile: outside reads give the fill.
    np.clip(sx, -1.0, w, out=sx)
    sx += 1.0
    np.clip(sy, -1.0, h, out=sy)
    offset = 1.0 + (h + 2) * np.arange(n, dtype=np.float32)
    if samples_last:
        _add_per_sample(sy, offset)
    else:
        sy += offset[:, None, None]
    mosaic = framed.reshape(n * (h + 2), w + 2, *channels)
    rows = oh if samples_last else n * oh
    res = cv2.remap(mosaic, sx.reshape(rows, -1), sy.reshape(rows, -1), cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=(value,) * 4)
    if not samples_last:
        return res.reshape(n, oh, ow, *channels)
    res = res.reshape(oh, ow, n, *channels)
    return np.ascontiguousarray(np.moveaxis(res, 2, 0))


def remap(batch: np.ndarray, sx: np.ndarray, sy: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bilinear resampling of image ``i`` at the source coordinates ``(sx[i], sy[i])``.

    Parameters
    ----------
    batch : ndarray (N, H, W) or (N, H, W, C), uint8 or float32
    sx, sy : ndarray (N, oh, ow), float32
        Input column and row sampled by each output pixel (pixel centres at integers).
    fill : float
        Constant border value as a fraction of the maximum.

    Small images go through one mosaic ``cv2.remap`` (as :func:`warp_affine`), large ones one
    ``cv2.remap`` per image over the thread pool.
    """
    n, (oh, ow) = batch.shape[0], sx.shape[1:]
    channels = batch.shape[3:]
    out = np.empty((n, oh, ow, *channels), batch.dtype)
    if n == 0:
        return out
    value = fill_in_dtype(fill, batch.dtype)
    h, w = batch.shape[1:3]
    sx, sy = sx.astype(np.float32), sy.astype(np.float32)  # copies: the mosaic changes them
    if h * w <= SMALL_IMAGE_PIXELS and oh * ow <= SMALL_IMAGE_PIXELS:
        step = max(1, _MAX_MOSAIC_ROWS // (max(h, oh) + 2))
        for s in range(0, n, step):
            part = slice(s, s + step)
            out[part] = _remap_mosaic(_framed(batch[part], value), sx[part], sy[part], value)
        return out

    def one(i: int) -> None:
        res = cv2.remap(batch[i], sx[i], sy[i], cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_CONSTANT, borderValue=(value,) * 4)
        out[i] = res.reshape(oh, ow, *channels)

    per_sample(one, n, parallel=True)
    return out


def warp_perspective(batch: np.ndarray, maps: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Bilinear resampling with one projective map per image, ``maps`` ``(N, 3, 3)`` taking an
    output pixel ``(u, v, 1)`` to the input point it samples (homogeneous); output size = input.

    Small images: one mosaic remap of the batch; large ones ``cv2.warpPerspective`` per image.
    """
    n, (h, w) = batch.shape[0], batch.shape[1:3]
    if n == 0 or h * w > SMALL_IMAGE_PIXELS:
        out = np.empty_like(batch)
        value = fill_in_dtype(fill, batch.dtype)

        def one(i: int) -> None:
            res = cv2.warpPerspective(batch[i], maps[i], (w, h),
                                      flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                      borderMode=cv2.BORDER_CONSTANT, borderValue=(value,) * 4)
            out[i] = res.reshape(batch.shape[1:])

        per_sample(one, n, parallel=True)
        return out
    v = np.arange(h, dtype=np.float64)[None, :, None]
    u = np.arange(w, dtype=np.float64)[None, None, :]
    m = maps[:, :, :, None, None]
    den = m[:, 2, 0] * u + m[:, 2, 1] * v + m[:, 2, 2]
    sx = (m[:, 0, 0] * u + m[:, 0, 1] * v + m[:, 0, 2]) / den
    sy = (m[:, 1, 0] * u + m[:, 1, 1] * v + m[:, 1, 2]) / den
    return remap(batch, sx, sy, fill)


def multiply_add(batch: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``clip(x * alpha + beta * max_value)`` per sample, as albumentations' ``multiply_add``.

    For uint8 a per-sample lookup table ``clip(arange(256) * alpha + 255 * beta)`` cast to uint8
    (truncating, as albumentations does); for float32 the product is clipped to [0, 1].

    Parameters
    ----------
    batch : ndarray (N, H, W[, C])
    alpha, beta : ndarray (N,)
        Contrast factor and brightness offset (a fraction of the maximum value).
    """
    n = batch.shape[0]
    shape = (n,) + (1,) * (batch.ndim - 1)
    if batch.dtype != np.uint8:
        out = batch * alpha.astype(np.float32).reshape(shape)
        out += beta.astype(np.float32).reshape(shape)
        return np.clip(out, 0.0, 1.0, out=out)
    luts = np.arange(256, dtype=np.float32)[None, :] * alpha.astype(np.float32)[:, None]
    luts += (beta.astype(np.float32) * 255.0)[:, None]
    luts = np.clip(luts, 0, 255).astype(np.uint8)
    return apply_luts(batch, luts)


def apply_luts(batch: np.ndarray, luts: np.ndarray) -> np.ndarray:
    """Map each uint8 image through its own table ``luts[i]`` (shape (N, 256), uint8)."""
    n = batch.shape[0]
    if n == 0:
        result: np.ndarray = batch.copy()
        return result
    if batch[0].size <= SMALL_LUT_VALUES:
        # one gather from the flattened tables: value v of image i is entry 256 * i + v
        # (uint16 indices while they fit: a quarter of the memory traffic of intp)
        kind = np.uint16 if n <= 256 else np.intp
        index = batch.reshape(n, -1).astype(kind)
        index += np.arange(0, 256 * n, 256, dtype=kind)[:, None]
        return np.take(np.ascontiguousarray(luts).ravel(), index).reshape(batch.shape)
    out = np.empty_like(batch)

    def one(i: int) -> None:
        out[i] = cv2.LUT(batch[i], luts[i]).reshape(batch.shape[1:])

    per_sample(one, n, parallel=True)
    return out


GRAY_WEIGHTS = np.array([0.299, 0.587, 0.114], np.float32)
"""ITU-R BT.601 luma weights (OpenCV's ``COLOR_RGB2GRAY``), RGB order."""


def to_gray(batch: np.ndarray) -> np.ndarray:
    """Luma of RGB(A) images written back to the three colour channels (alpha kept).

    Grey batches (N, H, W) and (N, H, W, 1) are returned as a copy.
    """
    if batch.ndim == 3 or batch.shape[-1] == 1:
        result: np.ndarray = batch.copy()
        return result
    rgb = batch[..., :3].astype(np.float32)
    y = rgb @ GRAY_WEIGHTS
    if batch.dtype == np.uint8:
        y = np.clip(np.rint(y), 0, 255).astype(np.uint8)
    else:
        y = np.clip(y, 0.0, 1.0).astype(np.float32)
    out = batch.copy()
    out[..., :3] = y[..., None]
    result = out
    return result


__all__ = [
    "GRAY_WEIGHTS",
    "SMALL_IMAGE_PIXELS",
    "SMALL_LUT_VALUES",
    "apply_luts",
    "check_images",
    "fill_in_dtype",
    "invert",
    "max_value",
    "multiply_add",
    "remap",
    "to_gray",
    "warp_affine",
    "warp_perspective",
]
