"""Brightness/contrast vs albumentations and by hand, Grayscale vs OpenCV."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from augfit.transforms import image as I

A = pytest.importorskip("albumentations")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
@pytest.mark.parametrize("b,c", [(0.1, 0.2), (-0.3, 0.5), (0.25, -0.4), (0.0, 0.0)])
def test_brightness_contrast_matches_albumentations(dtype, b, c):
    x = np.random.default_rng(0).integers(0, 256, (3, 12, 12, 3), dtype=np.uint8)
    if dtype == np.float32:
        x = x.astype(np.float32) / 255
    ours = I.BrightnessContrast(brightness=(b, b), contrast=(c, c))(x, rng=0)
    alb = A.RandomBrightnessContrast(brightness_limit=(b, b), contrast_limit=(c, c), p=1.0)
    ref = np.stack([alb(image=img)["image"] for img in x])
    assert ours.dtype == ref.dtype
    if dtype == np.uint8:
        np.testing.assert_array_equal(ours, ref)
    else:
        np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_brightness_and_contrast_alone_by_hand():
    x = np.array([[[0, 100, 200, 250]]], np.uint8)
    # contrast 1.5 (truncating like albumentations' LUT): 0, 150, 255 (clipped), 255
    np.testing.assert_array_equal(I.Contrast(limit=(0.5, 0.5))(x, rng=0), [[[0, 150, 255, 255]]])
    # brightness +0.1 adds 25.5 -> truncated: 25, 125, 225, 255
    np.testing.assert_array_equal(I.Brightness(limit=(0.1, 0.1))(x, rng=0), [[[25, 125, 225, 255]]])


def test_grayscale_matches_cv2_and_keeps_channels():
    x = np.random.default_rng(1).integers(0, 256, (4, 10, 10, 3), dtype=np.uint8)
    out = I.Grayscale()(x, rng=0)
    assert out.shape == x.shape
    for i in range(4):
        ref = cv2.cvtColor(x[i], cv2.COLOR_RGB2GRAY)
        for ch in range(3):
            assert np.abs(out[i, ..., ch].astype(int) - ref).max() <= 1
    rgba = np.concatenate([x, np.full((4, 10, 10, 1), 7, np.uint8)], axis=-1)
    out4 = I.Grayscale()(rgba, rng=0)
    np.testing.assert_array_equal(out4[..., 3], 7)
    np.testing.assert_array_equal(out4[..., :3], out)
    grey = x[..., 0]
    np.testing.assert_array_equal(I.Grayscale()(grey, rng=0), grey)
