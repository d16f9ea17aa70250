"""The albumentations adapter: per-sample seeds from augfit's Generator, reproducible and exact."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.errors import ConfigError
from augfit.transforms import image as I
from augfit.transforms.adapters import Albumentations

A = pytest.importorskip("albumentations")


def _x(shape=(6, 20, 20, 3)):
    return np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)


def test_each_sample_is_albumentations_seeded_with_the_recorded_seed():
    x = _x()
    wrapped = A.RandomGamma(gamma_limit=(50, 150), p=1.0)
    out, params = Albumentations(wrapped)(x, rng=0, return_params=True)
    fresh = A.RandomGamma(gamma_limit=(50, 150), p=1.0)
    for i, seed in enumerate(params["seed"]):
        fresh.set_random_seed(int(seed))
        np.testing.assert_array_equal(out[i], fresh(image=x[i])["image"])
    assert len(set(params["seed"].tolist())) == len(x)  # independent per sample


def test_inside_a_seeded_compose_it_is_reproducible_and_replays():
    x = _x()

    def make():
        return af.Compose([I.Rotate(10), Albumentations(A.ChannelShuffle(p=1.0), p=0.5),
                           I.Brightness(0.1)], seed=3)

    out, rec = make()(x, return_params=True)
    assert np.array_equal(make()(x), out)
    assert np.array_equal(make().replay(x, rec), out)
    d = make().to_dict()
    assert d["transforms"][1]["transform"]["__class_fullname__"] == "ChannelShuffle"
    assert np.array_equal(af.Compose.from_dict(d)(x), out)


def test_grey_batches_keep_their_shape():
    x = _x((5, 16, 16))
    out = Albumentations(A.GaussianBlur(blur_limit=(3, 3), p=1.0))(x, rng=0)
    assert out.shape == x.shape and out.dtype == np.uint8
    assert not np.array_equal(out, x)


def test_non_albumentations_objects_are_refused():
    with pytest.raises(ConfigError, match="albumentations transform"):
        Albumentations(I.Rotate())
