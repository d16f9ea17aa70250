"""Crops at odd margins and the reach of their random offsets: the cases the mutation pass found
unpinned (a CenterCrop rounding its corner up; a RandomCrop that never draws its last offset)."""
import numpy as np
import pytest

from augfit.transforms.compose import Compose
from augfit.transforms.image import CenterCrop, RandomCrop, Rotate


def _unique(h: int, w: int, n: int = 1) -> np.ndarray:
    """Images whose every pixel value is its own position (so a window shows where it was cut)."""
    return np.repeat((np.arange(h * w).reshape(1, h, w) % 251).astype(np.uint8), n, axis=0)


@pytest.mark.parametrize("hw, size, corner", [((9, 7), (4, 4), (2, 1)), ((8, 8), (5, 3), (1, 2)),
                                              ((5, 6), (2, 5), (1, 0))])
def test_center_crop_rounds_an_odd_margin_down_as_albumentations_does(hw, size, corner):
    import albumentations as A

    img = _unique(*hw)
    out = CenterCrop(size)(img)
    y, x = corner
    np.testing.assert_array_equal(out[0], img[0, y:y + size[0], x:x + size[1]])
    theirs = A.CenterCrop(height=size[0], width=size[1])(image=img[0])["image"]
    np.testing.assert_array_equal(out[0], theirs)
    # the fused geometric path (a crop composed with a rotation of 0) cuts the same window
    fused = Compose([Rotate(limit=0), CenterCrop(size)], seed=0)(img)
    np.testing.assert_array_equal(fused, out)


@pytest.mark.parametrize("padding", [0, 2])
def test_random_crop_draws_every_offset_and_cuts_the_window_it_drew(padding):
    h = w = 6
    size = 3
    img = _unique(h, w, 400)
    t = RandomCrop(size, padding=padding)
    params = t.sample(np.random.default_rng(0), img)
    reach = range(-padding, h + padding - size + 1)          # every top-left corner that fits
    assert set(params["y0"].tolist()) == set(reach) and set(params["x0"].tolist()) == set(reach)
    # each offset about equally often: 400 draws over 4 or 8 values
    counts = np.bincount(params["y0"] + padding)
    assert counts.min() > 0.5 * counts.mean()
    out = t.apply(img, params)
    padded = np.pad(img, ((0, 0), (padding, padding), (padding, padding)))
    for i in range(len(img)):
        y, x = params["y0"][i] + padding, params["x0"][i] + padding
        np.testing.assert_array_equal(out[i], padded[i, y:y + size, x:x + size])
