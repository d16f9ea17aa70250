"""Rotate, Scale, Translate, Affine and RandomResizedCrop against OpenCV with fixed parameters."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from augfit.transforms import image as I
from augfit.transforms.image import functional as F
from augfit.transforms.image.geometric import affine_matrices


def _images(shape, seed=0):
    rng = np.random.default_rng(seed)
    # smooth-ish content plus noise, so interpolation errors are visible but bounded
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    return x


def _interior(m: np.ndarray, hw, margin=1.0) -> np.ndarray:
    """Output pixels whose source location lies at least ``margin`` inside the input."""
    h, w = hw
    v, u = np.mgrid[0:h, 0:w].astype(float)
    inv = np.linalg.inv(m)
    sx = inv[0, 0] * u + inv[0, 1] * v + inv[0, 2]
    sy = inv[1, 0] * u + inv[1, 1] * v + inv[1, 2]
    return (sx >= margin) & (sx <= w - 1 - margin) & (sy >= margin) & (sy <= h - 1 - margin)


def _cv_warp(img, m, hw, fill=0):
    return cv2.warpAffine(img, m[:2], (hw[1], hw[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(fill,) * 4)


CASES = [
    (I.Rotate(limit=30), lambda n: {"angle": np.linspace(-30, 30, n)}),
    (I.Scale(range=(0.7, 1.4)), lambda n: {"scale": np.linspace(0.7, 1.4, n)}),
    (I.Translate(shift=0.2), lambda n: {"dx": np.linspace(-0.2, 0.2, n),
                                        "dy": np.linspace(0.2, -0.2, n)}),
    (I.Affine(rotate=20, scale=(0.8, 1.2), translate=0.1),
     lambda n: {"angle": np.linspace(-20, 20, n), "scale": np.linspace(0.8, 1.2, n),
                "dx": np.linspace(-0.1, 0.1, n), "dy": np.linspace(0.05, -0.05, n)}),
]


@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 28, 28), (5, 20, 21, 3), (5, 33, 21, 3),
                                   (5, 40, 40), (3, 80, 72, 3), (3, 70, 70, 1)])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_matches_cv2_warp_affine_within_one_grey_level(case, shape):
    t, make = CASES[case]
    x = _images(shape, seed=case)
    n, hw = shape[0], shape[1:3]
    params = {**make(n), "applied": np.ones(n, bool)}
    out = t.apply(x, params)
    assert out.shape == x.shape and out.dtype == np.uint8
    mats = t.matrices(params, hw)
    for i in range(n):
        ref = _cv_warp(x[i], mats[i], hw).reshape(x.shape[1:])
        keep = _interior(mats[i], hw)
        diff = np.abs(out[i].astype(int) - ref.astype(int))[keep]
        assert keep.sum() > 0.2 * keep.size  # enough pixels to compare
        assert diff.max() <= 1


def test_rotation_matrix_is_opencvs_get_rotation_matrix_2d():
    m = affine_matrices((30, 40), np.array([17.0]), 1.3)
    ref = cv2.getRotationMatrix2D((19.5, 14.5), 17.0, 1.3)
    np.testing.assert_allclose(m[0, :2], ref, atol=1e-12)


def test_rotate_by_90_degrees_is_exact_rot90():
    x = _images((3, 9, 9))
    params = {"angle": np.full(3, 90.0), "applied": np.ones(3, bool)}
    out = I.Rotate(limit=(90, 90)).apply(x, params)
    np.testing.assert_array_equal(out, np.rot90(x, k=1, axes=(1, 2)))


def test_float_images_match_cv2_and_fill_is_a_fraction_of_the_maximum():
    x = _images((4, 24, 24, 3)).astype(np.float32) / 255
    t = I.Rotate(limit=45, fill=1.0)
    params = {"angle": np.array([45.0, -45, 10, 30]), "applied": np.ones(4, bool)}
    out = t.apply(x, params)
    assert out.dtype == np.float32
    mats = t.matrices(params, (24, 24))
    for i in range(4):
        ref = _cv_warp(x[i], mats[i], (24, 24), fill=1.0)
        keep = _interior(mats[i], (24, 24))
        assert np.abs(out[i] - ref)[keep].max() <= 1 / 255
        assert out[i][0, 0, 0] == 1.0  # the corner is uncovered at 45 degrees: white fill


def test_small_and_large_paths_agree():
    x = _images((6, 30, 30, 3))
    m = F.invert(affine_matrices((30, 30), np.linspace(-40, 40, 6), 1.1))
    mosaic = F._warp_mosaic(x, m, (30, 30), 0.0)
    per_image = np.stack([cv2.warpAffine(x[i], m[i], (30, 30),
                                         flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
                          for i in range(6)])
    assert np.abs(mosaic.astype(int) - per_image).max() <= 1


@pytest.mark.parametrize("out_size,shape", [(None, (4, 32, 32)), ((20, 24), (4, 32, 40, 3)),
                                            ((96, 96), (2, 80, 80, 3))])
def test_random_resized_crop_matches_cv2_resize_of_the_window(out_size, shape):
    x = _images(shape)
    t = I.RandomResizedCrop(size=out_size, scale=(0.3, 0.9))
    n, hw = shape[0], shape[1:3]
    params = t.sample(np.random.default_rng(1), x)
    out = t.apply(x, params)
    oh, ow = t.output_hw(hw)
    assert out.shape == (n, oh, ow, *shape[3:])
    for i in range(n):
        y0, x0, h, w = (int(params[k][i]) for k in ("y0", "x0", "h", "w"))
        ref = cv2.resize(x[i, y0:y0 + h, x0:x0 + w], (ow, oh), interpolation=cv2.INTER_LINEAR)
        diff = np.abs(out[i].astype(int) - ref.reshape(out[i].shape))[2:-2, 2:-2]
        assert diff.max() <= 1


def test_random_resized_crop_windows_respect_scale_and_ratio():
    t = I.RandomResizedCrop(scale=(0.5, 0.9), ratio=(0.8, 1.25))
    p = t.sample_geometry(np.random.default_rng(0), 2000, (64, 64))
    area = p["h"] * p["w"] / 64 ** 2
    assert (p["y0"] >= 0).all() and (p["y0"] + p["h"] <= 64).all()
    assert (p["x0"] >= 0).all() and (p["x0"] + p["w"] <= 64).all()
    assert area.min() > 0.45 and area.max() < 0.95  # rounding to whole pixels
    ratio = p["w"] / p["h"]
    assert ratio.min() > 0.75 and ratio.max() < 1.32


def test_unapplied_samples_of_a_resizing_crop_are_the_whole_image_resized():
    x = _images((3, 32, 32))
    t = I.RandomResizedCrop(size=16, p=0.0)
    out = t(x, rng=0)
    ref = np.stack([cv2.resize(img, (16, 16), interpolation=cv2.INTER_LINEAR) for img in x])
    assert np.abs(out.astype(int) - ref)[:, 1:-1, 1:-1].max() <= 1


@pytest.mark.slow
def test_large_image_path_works_in_a_forked_child_after_use_in_the_parent():
    """The thread pool is rebuilt after fork (a child cannot use the parent's threads)."""
    import multiprocessing as mp

    x = _images((4, 80, 80, 3))
    t = I.Rotate(limit=30)
    expected = t(x, rng=0)  # creates the pool in this process
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        out = pool.apply_async(t, (x,), {"rng": 0}).get(timeout=60)
    np.testing.assert_array_equal(out, expected)
