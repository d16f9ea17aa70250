"""Crops are exact (no resampling): a window of the padded image, the exact middle."""
from __future__ import annotations

import numpy as np
import pytest

from augfit.errors import ShapeError
from augfit.transforms import image as I


def _x(shape=(6, 10, 12, 3)):
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


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
