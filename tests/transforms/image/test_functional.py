"""The per-batch kernels: closed-form inverse maps, the two table-lookup paths, CutMix's paste."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from augfit.transforms.image import CutMix
from augfit.transforms.image import functional as F
from augfit.transforms.image.core import identity, moved
from augfit.transforms.image.geometric import affine_matrices
from augfit.transforms.image.ops import shear_matrices


def test_closed_form_inverse_agrees_with_linalg_inv():
    rng = np.random.default_rng(0)
    n = 200
    m = affine_matrices((28, 28), rng.uniform(-180, 180, n), rng.uniform(0.3, 3, n),
                        rng.uniform(-10, 10, n), rng.uniform(-10, 10, n))
    m = shear_matrices(rng.uniform(-1, 1, n), rng.uniform(-1, 1, n), 13.5, 13.5) @ m
    inv = F.invert(m)
    np.testing.assert_allclose(inv, np.linalg.inv(m)[:, :2], rtol=0, atol=1e-12)
    back = np.concatenate([inv, np.tile([[[0.0, 0.0, 1.0]]], (n, 1, 1))], axis=1) @ m
    np.testing.assert_allclose(back, identity(n), rtol=0, atol=1e-12)


def test_identity_and_moved():
    m = identity(4)
    assert m.shape == (4, 3, 3) and np.array_equal(m, np.broadcast_to(np.eye(3), (4, 3, 3)))
    m[2, 0, 2] = 0.5
    m[3, 1, 0] = 1e-13  # below the tolerance: not moved
    assert moved(m).tolist() == [2]


@pytest.mark.parametrize("shape", [(5, 28, 28), (3, 8, 8, 3), (3, 40, 60, 3), (256, 6, 5),
                                   (257, 6, 5)])
def test_table_lookups_equal_cv2_lut_per_image(shape):
    """Small images take one gather over the (N, 256) tables (uint16 indices up to 256 images,
    intp beyond), large ones cv2.LUT per image."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    luts = rng.integers(0, 256, (shape[0], 256), dtype=np.uint8)
    want = np.stack([cv2.LUT(img, lut).reshape(img.shape)
                     for img, lut in zip(x, luts, strict=True)])
    assert np.array_equal(F.apply_luts(x, luts), want)


def _reference_mosaic_warp(x: np.ndarray, inverse: np.ndarray, value: float) -> np.ndarray:
    """The small-image warp written out with plain broadcasts, (N, oh, ow) layout: the float32
    source coordinates u*a + v*b + c, clipped into each image's 1-pixel frame, one cv2.remap over
    the framed images stacked as a tall mosaic."""
    n, h, w = x.shape[:3]
    m = inverse.astype(np.float32)[:, :, :, None, None]
    v = np.arange(h, dtype=np.float32)[:, None]
    u = np.arange(w, dtype=np.float32)[None, :]
    sx = u * m[:, 0, 0] + v * m[:, 0, 1] + m[:, 0, 2]
    sy = u * m[:, 1, 0] + v * m[:, 1, 1] + m[:, 1, 2]
    sx = np.clip(sx, -1.0, w) + np.float32(1.0)
    sy = np.clip(sy, -1.0, h) + (1.0 + (h + 2) * np.arange(n, dtype=np.float32))[:, None, None]
    framed = np.full((n, h + 2, w + 2, *x.shape[3:]), value, x.dtype)
    framed[:, 1:-1, 1:-1] = x
    res = cv2.remap(framed.reshape(n * (h + 2), w + 2, *x.shape[3:]), sx.reshape(n * h, w),
                    sy.reshape(n * h, w), cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                    borderValue=(value,) * 4)
    return res.reshape(x.shape)


@pytest.mark.parametrize("dtype,fill", [(np.uint8, 0.0), (np.uint8, 1.0), (np.float32, 0.0),
                                        (np.float32, 0.5)])
def test_small_image_warp_is_the_reference_mosaic_remap_bit_for_bit(dtype, fill):
    """The samples-last coordinate layout and the tiled per-sample sums are speed only: the warp
    gives the bytes of the formula written out (what stored results were computed with)."""
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (70, 28, 28), dtype=np.uint8)
    x = x if dtype == np.uint8 else (x / 255).astype(np.float32)
    n = len(x)
    inv = F.invert(affine_matrices((28, 28), rng.uniform(-30, 30, n), rng.uniform(0.7, 1.3, n),
                                   rng.uniform(-4, 4, n), rng.uniform(-4, 4, n)))
    got = F.warp_affine(x, inv, (28, 28), fill)
    assert np.array_equal(got, _reference_mosaic_warp(x, inv, F.fill_in_dtype(fill, x.dtype)))


@pytest.mark.parametrize("shape,dtype", [((9, 6, 7), np.uint8), ((9, 5, 4, 3), np.uint8),
                                         ((9, 6, 6), np.float32), ((9, 70, 66), np.uint8)])
def test_cutmix_pastes_exactly_the_partners_box(shape, dtype):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, shape).astype(dtype)
    if dtype == np.float32:
        x /= 255
    t = CutMix(alpha=1.0, p=0.6)
    out, rec = t(x, rng=3, return_params=True)
    assert rec["applied"].any() and not rec["applied"].all()
    want = x.copy()
    for i in np.flatnonzero(rec["applied"]):
        y0, y1, x0, x1 = (int(rec[k][i]) for k in ("y0", "y1", "x0", "x1"))
        want[i, y0:y1, x0:x1] = x[rec["partner"][i], y0:y1, x0:x1]
    assert np.array_equal(out, want)
    full, rec = CutMix(alpha=1.0)(x, rng=4, return_params=True)   # the all-applied path
    for i in range(len(x)):
        y0, y1, x0, x1 = (int(rec[k][i]) for k in ("y0", "y1", "x0", "x1"))
        want[i] = x[i]
        want[i, y0:y1, x0:x1] = x[rec["partner"][i], y0:y1, x0:x1]
    assert np.array_equal(full, want)
