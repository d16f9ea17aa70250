"""Bad image batches get a ShapeError naming the problem and the fix; empty batches pass through."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.errors import ShapeError
from augfit.transforms import image as I

ALL = [I.Rotate(), I.RandomResizedCrop(), I.HorizontalFlip(), I.BrightnessContrast(),
       I.Grayscale(), I.GaussianNoise(), I.Cutout(), I.RandomCrop(padding=1)]


@pytest.mark.parametrize("t", ALL, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("bad,match", [
    (np.zeros((28, 28), np.uint8), r"x\[None\]"),
    (np.zeros((32, 32, 3), np.uint8), "single|one colour image"),
    (np.zeros((2, 8, 8, 5), np.uint8), "1, 3 or 4 channels"),
    (np.zeros((2, 3, 8, 8), np.uint8), "channels"),
    (np.full((2, 8, 8), 2.0, np.float32), r"\[0, 1\]"),
    (np.full((2, 8, 8), np.nan, np.float32), "NaN"),
    (np.zeros((2, 8, 8), np.float64), "float32"),
    ([[0, 1], [2, 3]], "NumPy array"),
])
def test_bad_batches_raise_shape_errors(t, bad, match):
    with pytest.raises(ShapeError, match=match):
        t(bad, rng=0)


def test_empty_batch_comes_back_empty_with_its_shape():
    x = np.zeros((0, 16, 16, 3), np.uint8)
    aug = af.Compose([I.Rotate(), I.RandomResizedCrop(), I.HorizontalFlip(), I.Brightness()],
                     seed=0)
    out = aug(x)
    assert out.shape == (0, 16, 16, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("t", ALL, ids=lambda t: type(t).__name__)
def test_apply_checks_the_batch_too(t):
    params = t.sample(np.random.default_rng(0), np.zeros((2, 8, 8), np.uint8))
    with pytest.raises(ShapeError):
        t.apply([[0, 1], [2, 3]], params)
    with pytest.raises(ShapeError, match="NaN"):
        t.apply(np.full((2, 8, 8), np.nan, np.float32), params)
