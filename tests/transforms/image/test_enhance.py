"""The policy operations' kernels and transforms against hand-worked values and PIL."""
import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from augfit.errors import ConfigError
from augfit.transforms.image import ops as K
from augfit.transforms.image.enhance import (
    AutoContrast,
    Color,
    Equalize,
    Posterize,
    Sharpness,
    Shear,
    Solarize,
)


def _rgb(seed=0, n=3, lo=0, hi=256, hw=(9, 11)):
    return np.random.default_rng(seed).integers(lo, hi, (n, *hw, 3), dtype=np.uint8)


def test_posterize_by_hand():
    x = np.array([[[0b10110111, 255]], [[0b10110111, 0]]], np.uint8)   # (2, 1, 2)
    out = K.posterize(x, np.array([3, 8]))
    assert out[0].tolist() == [[0b10100000, 0b11100000]] and out[1].tolist() == x[1].tolist()
    f = np.array([[[0.3, 0.99]]], np.float32)
    np.testing.assert_allclose(K.posterize(f, np.array([2])), [[[0.25, 0.75]]])


def test_solarize_inverts_at_and_above_the_threshold():
    x = np.array([[[10, 127, 128, 250]]], np.uint8)
    assert K.solarize(x, np.array([128 / 255]))[0, 0].tolist() == [10, 127, 127, 5]
    f = np.array([[[0.2, 0.6]]], np.float32)
    np.testing.assert_allclose(K.solarize(f, np.array([0.5])), [[[0.2, 0.4]]], rtol=1e-6)


@pytest.mark.parametrize("grey", [False, True])
def test_equalize_and_autocontrast_match_pil(grey):
    x = _rgb(1, lo=40, hi=200)
    if grey:
        x = x[..., 0]
    eq, ac = K.equalize(x), K.autocontrast(x)
    for i in range(len(x)):
        img = Image.fromarray(x[i])
        np.testing.assert_array_equal(eq[i], np.asarray(ImageOps.equalize(img)))
        want = np.asarray(ImageOps.autocontrast(img)).astype(int)
        assert np.abs(ac[i].astype(int) - want).max() <= 1   # PIL rounds, torchvision truncates


@pytest.mark.parametrize("kernel, enhancer", [(K.brightness, ImageEnhance.Brightness),
                                              (K.color, ImageEnhance.Color),
                                              (K.contrast, ImageEnhance.Contrast),
                                              (K.sharpness, ImageEnhance.Sharpness)])
def test_blend_operations_match_pil_within_rounding(kernel, enhancer):
    x = _rgb(2)
    factors = np.array([0.1, 1.0, 1.7])
    out = kernel(x, factors)
    for i, f in enumerate(factors):
        want = np.asarray(enhancer(Image.fromarray(x[i])).enhance(f)).astype(int)
        diff = np.abs(out[i].astype(int) - want)
        # PIL rounds where torchvision truncates, and averages contrast's mean in integers
        assert diff.max() <= 2, (kernel.__name__, f, diff.max())
    np.testing.assert_array_equal(out[1], x[1])          # factor 1 keeps the image


def test_float_images_stay_float_in_range():
    x = _rgb(3).astype(np.float32) / 255
    for out in (K.brightness(x, np.full(3, 1.9)), K.contrast(x, np.full(3, 1.9)),
                K.sharpness(x, np.full(3, 1.9)), K.color(x, np.full(3, 1.9)), K.equalize(x),
                K.autocontrast(x), K.solarize(x, np.full(3, 0.5)), K.posterize(x, np.full(3, 3))):
        assert out.dtype == np.float32 and out.shape == x.shape
        assert out.min() >= 0.0 and out.max() <= 1.0


def test_shear_moves_a_pixel_where_the_matrix_says():
    x = np.zeros((1, 21, 21), np.float32)
    x[0, 15, 10] = 1.0                       # row 15, column 10; centre is (10, 10)
    rec = {"sx": np.array([0.4]), "sy": np.array([0.0]), "applied": np.array([True])}
    out = Shear(x=0.4).apply(x, rec)
    # x' = x - 0.4 * (y - 10) = 10 - 2 = 8, y' = y
    assert np.unravel_index(out[0].argmax(), (21, 21)) == (15, 8)


def test_transforms_draw_per_sample_in_their_ranges():
    x = _rgb(4, n=200, hw=(6, 6))
    rng = np.random.default_rng(0)
    bits = Posterize(bits=(2, 5)).sample(rng, x)["bits"]
    assert set(bits.tolist()) == {2, 3, 4, 5}
    thr = Solarize(threshold=(0.2, 0.4)).sample(rng, x)["threshold"]
    assert thr.min() >= 0.2 and thr.max() <= 0.4 and len(np.unique(thr)) == 200
    for cls in (Sharpness, Color):
        f = cls(factor=(0.5, 1.5)).sample(rng, x)["factor"]
        assert f.min() >= 0.5 and f.max() <= 1.5
    assert np.array_equal(Equalize()(x, rng=0), K.equalize(x))
    assert np.array_equal(AutoContrast()(x, rng=0), K.autocontrast(x))


@pytest.mark.parametrize("make, match", [
    (lambda: Posterize(bits=(3, 9)), r"Posterize\(bits=\.\.\.\)"),
    (lambda: Solarize(threshold=(0.5, 2)), r"Solarize\(threshold=\.\.\.\)"),
    (lambda: Sharpness(factor=(-1, 1)), r"Sharpness\(factor=\.\.\.\)"),
    (lambda: Shear(x=5), r"Shear\(x=\.\.\.\)"),
])
def test_bad_arguments_name_the_field(make, match):
    with pytest.raises(ConfigError, match=match):
        make()
