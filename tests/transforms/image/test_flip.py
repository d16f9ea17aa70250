"""Flips are exact (no resampling), alone and fused with a rotation in a Compose."""
from __future__ import annotations

import numpy as np

import augfit as af
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


def test_flip_fused_with_rotation_equals_flip_after_rotation():
    x = _x((8, 16, 16))
    rot = I.Rotate(limit=(90, 90))  # exact: 90 degrees moves pixels onto pixels
    fused = af.Compose([rot, I.HorizontalFlip(p=0.5)], seed=2)
    out, rec = fused(x, return_params=True)
    ref = np.rot90(x, 1, axes=(1, 2)).copy()
    flip = rec["inner"][1]["applied"]
    ref[flip] = ref[flip][:, :, ::-1]
    np.testing.assert_array_equal(out, ref)
