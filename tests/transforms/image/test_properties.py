"""Hypothesis property tests over shapes, dtypes and parameter ranges of the image transforms."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import augfit as af
from augfit.transforms import image as I

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def batches(draw, min_side=1):
    n = draw(st.integers(1, 4))
    h, w = draw(st.integers(min_side, 24)), draw(st.integers(min_side, 24))
    c = draw(st.sampled_from([None, 1, 3, 4]))
    shape = (n, h, w) if c is None else (n, h, w, c)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(0, 256, shape, dtype=np.uint8)
    if draw(st.booleans()):
        x = (x / 255).astype(np.float32)
    return x


def _pair(lo, hi):
    return st.tuples(st.floats(lo, hi), st.floats(lo, hi)).map(sorted).map(list)


unit = st.floats(0, 1)
transforms = st.one_of(
    st.builds(I.Rotate, limit=st.floats(0, 180), fill=unit),
    st.builds(I.Scale, range=_pair(0.2, 3.0), fill=unit),
    st.builds(I.Translate, shift=unit, fill=unit),
    st.builds(I.Affine, rotate=st.floats(0, 180), scale=_pair(0.5, 2.0), translate=unit),
    st.builds(I.RandomResizedCrop, scale=_pair(0.05, 1.0), ratio=_pair(0.3, 3.0)),
    st.builds(I.RandomCrop, padding=st.integers(0, 3), fill=unit),
    st.builds(I.HorizontalFlip, p=unit),
    st.builds(I.VerticalFlip, p=unit),
    st.builds(I.Brightness, limit=unit),
    st.builds(I.Contrast, limit=unit),
    st.builds(I.BrightnessContrast, brightness=unit, contrast=unit),
    st.builds(I.Grayscale, p=unit),
    st.builds(I.GaussianNoise, std=_pair(0.0, 1.0)),
    st.builds(I.Cutout, holes=st.integers(1, 3), size=_pair(0.01, 1.0), fill=unit),
)


@SETTINGS
@given(t=transforms, x=batches(), seed=st.integers(0, 2**32))
def test_shape_dtype_range_determinism_and_replay(t, x, seed):
    out, params = t(x, rng=seed, return_params=True)
    assert out.shape == x.shape and out.dtype == x.dtype
    if out.dtype == np.float32:
        assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    assert np.array_equal(t(x, rng=seed), out)
    assert np.array_equal(t.replay(x, params), out)
    assert np.array_equal(type(t)(**{**t.get_config(), "p": 0.0})(x, rng=seed), x)


@SETTINGS
@given(x=batches(), seed=st.integers(0, 2**32), angle=st.floats(0, 180),
       scale=_pair(0.3, 3.0), value=st.integers(0, 255))
def test_constant_image_with_matching_fill_stays_constant(x, seed, angle, scale, value):
    x = np.full_like(x, value if x.dtype == np.uint8 else value / 255)
    fill = value / 255
    aug = af.Compose([I.Rotate(limit=angle, fill=fill), I.Scale(range=scale, fill=fill),
                      I.RandomResizedCrop(scale=(0.3, 1.0)), I.HorizontalFlip()], seed=seed)
    out = aug(x)
    if x.dtype == np.uint8:
        np.testing.assert_array_equal(out, x)
    else:
        np.testing.assert_allclose(out, x, atol=1e-6)


@SETTINGS
@given(x=batches(), seed=st.integers(0, 2**32), b=unit, c=unit)
def test_brightness_contrast_is_monotone_per_sample(x, seed, b, c):
    out = I.BrightnessContrast(brightness=b, contrast=c)(x, rng=seed)
    for i in range(len(x)):
        order = np.argsort(x[i].ravel(), kind="stable")
        assert (np.diff(out[i].ravel()[order].astype(np.float64)) >= 0).all()


@SETTINGS
@given(x=batches(min_side=4), seed=st.integers(0, 2**32),
       steps=st.lists(transforms, min_size=1, max_size=4))
def test_any_pipeline_replays_and_fused_draws_equal_step_by_step_draws(x, seed, steps):
    fused = af.Compose(steps, seed=seed)
    out, rec = fused(x, return_params=True)
    assert np.array_equal(fused.replay(x, rec), out)
    _, rec2 = af.Compose(steps, seed=seed, fuse=False)(x, return_params=True)
    for a, b in zip(rec["inner"], rec2["inner"], strict=True):
        assert a.keys() == b.keys()
        assert all(np.array_equal(a[k], b[k]) for k in a)
