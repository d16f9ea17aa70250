"""GaussianNoise and Cutout checked by hand."""
from __future__ import annotations

import numpy as np

from augfit.transforms import image as I
from augfit.transforms.base import select


def test_gaussian_noise_has_the_drawn_std_and_replays_on_subsets():
    x = np.full((6, 64, 64), 0.5, np.float32)
    t = I.GaussianNoise(std=(0.02, 0.08))
    out, params = t(x, rng=0, return_params=True)
    measured = (out - x).reshape(6, -1).std(axis=1)
    np.testing.assert_allclose(measured, params["sigma"], rtol=0.05)
    idx = np.array([4, 1])
    np.testing.assert_array_equal(t.apply(x[idx], select(params, idx, 6)), out[idx])


def test_cutout_erases_exactly_the_drawn_rectangle():
    x = np.full((2, 10, 10), 200, np.uint8)
    params = {"y0": np.array([[1], [5]]), "x0": np.array([[2], [0]]), "h": np.array([[3], [5]]),
              "w": np.array([[4], [2]]), "applied": np.array([True, True])}
    out = I.Cutout(holes=1, fill=0.0).apply(x, params)
    expect = x.copy()
    expect[0, 1:4, 2:6] = 0
    expect[1, 5:10, 0:2] = 0
    np.testing.assert_array_equal(out, expect)
