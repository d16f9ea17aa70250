"""Flips and crops are exact (no resampling), alone and fused in a Compose."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.errors import ShapeError
from augfit.transforms import image as I


def _x(shape=(6, 10, 12, 3)):
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


def test_flips_are_exact_and_per_sample():
    x = _x()
    np.testing.assert_array_equal(I.HorizontalFlip(p=1)(x, rng=0), x[:, :, ::-1])
    np.testing.assert_array_equal(I.VerticalFlip(p=1)(x, rng=0), x[:, ::-1])
    out, params = I.HorizontalFlip(p=0.5)(x, rng=3, return_params=True)
    for i, flipped in enumerate(params["applied"]):
        np.testing.assert_array_equal(out[i], x[i, :, ::-1] if flipped else x[i])


def test_random_crop_with_padding_is_an_exact_window_of_the_padded_image():
    x = _x((5, 8, 8))
    t = I.RandomCrop(size=(6, 7), padding=2, fill=1.0)
    out, params = t(x, rng=1, return_params=True)
    padded = np.pad(x, [(0, 0), (2, 2), (2, 2)], constant_values=255)
    for i in range(5):
        y, z = params["y0"][i] + 2, params["x0"][i] + 2
        np.testing.assert_array_equal(out[i], padded[i, y:y + 6, z:z + 7])
    assert out.shape == (5, 6, 7)


def test_center_crop_is_the_exact_middle():
    x = _x((2, 9, 10))
    np.testing.assert_array_equal(I.CenterCrop((5, 4))(x, rng=0), x[:, 2:7, 3:7])
    with pytest.raises(ShapeError, match="larger"):
        I.CenterCrop(20)(x, rng=0)


def test_random_crop_larger_than_the_padded_image_is_a_shape_error():
    with pytest.raises(ShapeError, match="padding"):
        I.RandomCrop(size=12, padding=1)(_x((2, 8, 8)), rng=0)


def test_flip_fused_with_rotation_equals_flip_after_rotation():
    x = _x((8, 16, 16))
    rot = I.Rotate(limit=(90, 90))  # exact: 90 degrees moves pixels onto pixels
    fused = af.Compose([rot, I.HorizontalFlip(p=0.5)], seed=2)
    out, rec = fused(x, return_params=True)
    ref = np.rot90(x, 1, axes=(1, 2)).copy()
    flip = rec["inner"][1]["applied"]
    ref[flip] = ref[flip][:, :, ::-1]
    np.testing.assert_array_equal(out, ref)
