"""GaussianBlur, MotionBlur, ElasticTransform, Perspective and Affine's shear, by hand."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from augfit.transforms import image as I
from augfit.transforms.image.blur import gaussian_size, motion_kernel
from augfit.transforms.image.elastic import homographies, uniform_noise
from augfit.transforms.image.ops import shear_matrices


def _float_batch(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(shape, dtype=np.float32)


@pytest.mark.parametrize("shape", [(3, 20, 24), (2, 40, 40, 3)])
def test_gaussian_blur_is_opencvs_with_a_3_sigma_kernel(shape):
    x = _float_batch(shape)
    out, rec = I.GaussianBlur(sigma=(0.6, 2.5))(x, rng=1, return_params=True)
    for img, o, s in zip(x, out, rec["sigma"], strict=True):
        k = gaussian_size(s)
        want = cv2.GaussianBlur(img, (k, k), s, borderType=cv2.BORDER_REFLECT_101)
        np.testing.assert_allclose(o, want.reshape(o.shape), rtol=0, atol=2e-6)
    assert gaussian_size(1.0) == 7 and gaussian_size(0.5) == 5


def test_blurs_keep_flat_images_flat():
    x = np.full((3, 12, 12), 77, np.uint8)
    for t in (I.GaussianBlur(sigma=(1, 3)), I.MotionBlur(size=(3, 9))):
        assert np.array_equal(t(x, rng=0), x)


def test_motion_kernel_is_a_normalized_line_through_the_centre():
    k = motion_kernel(7, 0.0)
    assert k.sum() == pytest.approx(1.0) and np.count_nonzero(k) == 7
    assert np.array_equal(np.flatnonzero(k.sum(axis=1)), [3])     # the middle row
    assert np.array_equal(motion_kernel(5, 90.0), motion_kernel(5, 0.0).T)
    diag = motion_kernel(5, 45.0)
    assert np.count_nonzero(diag) == np.count_nonzero(np.fliplr(diag).diagonal())


def test_horizontal_motion_blur_smears_along_rows_only():
    x = np.zeros((1, 9, 9), np.float32)
    x[0, 4, 4] = 1.0
    t = I.MotionBlur(size=(5, 5), angle=(0, 0))
    out = t(x, rng=0)[0]
    np.testing.assert_allclose(out[4, 2:7], 0.2, atol=1e-6)
    assert out.sum() == pytest.approx(1.0) and np.count_nonzero(out) == 5


def test_motion_blur_draws_odd_sizes_within_the_range():
    rec = I.MotionBlur(size=(4, 9))(np.zeros((400, 8, 8), np.uint8), rng=0,
                                     return_params=True)[1]
    assert set(np.unique(rec["size"]).tolist()) == {5, 7, 9}


def test_elastic_with_zero_alpha_is_the_identity_and_noise_is_per_sample():
    x = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    assert np.array_equal(I.ElasticTransform(alpha=(0, 0))(x, rng=0), x)
    big = np.random.default_rng(1).integers(0, 256, (2, 40, 40, 3), dtype=np.uint8)  # remap path
    assert np.array_equal(I.ElasticTransform(alpha=(0, 0))(big, rng=0), big)
    seeds = np.array([3, 99, 2 ** 62], np.int64)
    noise = uniform_noise(seeds, 5000)
    assert np.array_equal(uniform_noise(seeds[1:2], 5000)[0], noise[1])  # depends on its seed only
    assert noise.dtype == np.float32 and noise.min() >= -1.0 and noise.max() < 1.0
    assert abs(noise.mean()) < 0.03 and noise.std() == pytest.approx(1 / np.sqrt(3), abs=0.02)
    assert not np.array_equal(noise[0], noise[1])


def test_elastic_moves_pixels_by_about_alpha_times_the_smoothed_noise():
    x = np.random.default_rng(2).integers(0, 256, (8, 28, 28), dtype=np.uint8)
    small = I.ElasticTransform(alpha=(2, 2), sigma=4)(x, rng=0).astype(float)
    large = I.ElasticTransform(alpha=(30, 30), sigma=4)(x, rng=0).astype(float)
    d_small, d_large = np.abs(small - x).mean(), np.abs(large - x).mean()
    assert 0 < d_small < d_large


def test_perspective_maps_output_corners_to_the_moved_input_corners():
    corners = np.array([[[0.1, 0.2], [0.0, 0.1], [0.3, 0.0], [0.05, 0.05]]])
    m = homographies(corners, (11, 21))[0]
    size = np.array([20.0, 10.0])
    want = np.array([[0.1, 0.2], [1.0, 0.1], [0.7, 1.0], [0.05, 0.95]]) * size
    for (u, v), w in zip([(0, 0), (20, 0), (20, 10), (0, 10)], want, strict=True):
        p = m @ [u, v, 1.0]
        np.testing.assert_allclose(p[:2] / p[2], w, atol=1e-9)
    x = np.random.default_rng(3).integers(0, 256, (3, 16, 16), dtype=np.uint8)
    assert np.array_equal(I.Perspective(scale=(0, 0))(x, rng=0), x)      # no move: identity


def test_perspective_small_and_large_paths_agree():
    """The mosaic remap (small images) and cv2.warpPerspective (large) sample the same points."""
    x = np.random.default_rng(4).random((2, 30, 31), dtype=np.float32)   # 930 pixels: large path
    t = I.Perspective(scale=(0.1, 0.2))
    out, rec = t(x, rng=5, return_params=True)
    from augfit.transforms.image import functional as F
    m = homographies(np.asarray(rec["corners"]), (30, 31))
    v, u = np.mgrid[0:30, 0:31].astype(np.float64)
    den = m[:, 2, 0, None, None] * u + m[:, 2, 1, None, None] * v + m[:, 2, 2, None, None]
    sx = (m[:, 0, 0, None, None] * u + m[:, 0, 1, None, None] * v + m[:, 0, 2, None, None]) / den
    sy = (m[:, 1, 0, None, None] * u + m[:, 1, 1, None, None] * v + m[:, 1, 2, None, None]) / den
    np.testing.assert_allclose(F.remap(x, sx, sy), out, atol=0.02)


def test_affine_shear_is_the_shear_transform_and_absent_when_zero():
    t = I.Affine(shear=(20, 20))
    m = t.matrices({"angle": np.zeros(2), "scale": np.ones(2), "dx": np.zeros(2),
                    "dy": np.zeros(2), "shear": np.full(2, 20.0)}, (28, 30))
    want = shear_matrices(np.full(2, np.tan(np.deg2rad(20))), np.zeros(2), 14.5, 13.5)
    np.testing.assert_allclose(m, want, rtol=0, atol=1e-12)
    plain = I.Affine(rotate=10)
    assert "shear" not in plain.to_dict()
    x = np.zeros((3, 8, 8), np.uint8)
    assert "shear" not in plain(x, rng=0, return_params=True)[1]
    assert I.Affine(rotate=10, shear=5).to_dict()["shear"] == 5


def test_new_transforms_replay_on_a_subset_of_the_batch():
    x = np.random.default_rng(6).integers(0, 256, (10, 28, 28), dtype=np.uint8)
    for t in (I.GaussianBlur(p=0.5), I.MotionBlur(p=0.5), I.ElasticTransform(p=0.5),
              I.Perspective(p=0.5)):
        out, rec = t(x, rng=7, return_params=True)
        assert 0 < rec["applied"].sum() < 10
        assert np.array_equal(out[~rec["applied"]], x[~rec["applied"]])
        assert np.array_equal(t.replay(x, rec), out)


def test_elastic_fields_of_a_large_batch_equal_those_drawn_alone():
    """More than 64 images: the noise planes are smoothed in several OpenCV calls."""
    x = np.random.default_rng(8).integers(0, 256, (150, 8, 8), dtype=np.uint8)
    t = I.ElasticTransform(alpha=(3, 6), sigma=2)
    out, rec = t(x, rng=9, return_params=True)
    for i in (0, 70, 149):
        one = {k: (v[i:i + 1] if k in ("alpha", "seed", "applied") else v) for k, v in rec.items()}
        one["drawn_on"] = rec["drawn_on"]
        assert np.array_equal(t.apply(x[i:i + 1], one), out[i:i + 1])


@pytest.mark.parametrize("side", [20, 40])     # planes stacked as channels / one by one
def test_smoothing_the_noise_planes_is_opencvs_gaussian_per_plane(side):
    from augfit.transforms.image.elastic import smooth_planes

    planes = _float_batch((150, side, side))
    got = smooth_planes(planes, 2.5)
    for i in (0, 127, 149):
        want = cv2.GaussianBlur(planes[i], (17, 17), 2.5, borderType=cv2.BORDER_REFLECT_101)
        np.testing.assert_allclose(got[i], want, rtol=0, atol=1e-6)
