"""Audiomentations adapter: real audiomentations calls, seeded from the Generator, global state
restored."""
from __future__ import annotations

import random

import audiomentations as am
import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.transforms.audio import Audiomentations
from augfit.transforms.base import Transform


def test_gain_with_a_fixed_value_is_the_hand_formula(fsdd_batch):
    aug = Audiomentations("Gain", sample_rate=8000, args={"min_gain_db": 6.0, "max_gain_db": 6.0})
    out = aug(fsdd_batch, rng=0)
    np.testing.assert_allclose(out, fsdd_batch * 10 ** (6 / 20), rtol=1e-5, atol=1e-7)


def test_same_seed_same_bytes_and_equals_direct_seeded_calls(fsdd_batch):
    aug = Audiomentations("AddGaussianSNR", sample_rate=8000,
                          args={"min_snr_db": 5.0, "max_snr_db": 25.0})
    out, params = aug(fsdd_batch, rng=3, return_params=True)
    assert aug(fsdd_batch, rng=3).tobytes() == out.tobytes()
    assert aug(fsdd_batch, rng=4).tobytes() != out.tobytes()
    assert aug.replay(fsdd_batch, params).tobytes() == out.tobytes()
    direct = am.AddGaussianSNR(min_snr_db=5.0, max_snr_db=25.0, p=1.0)
    for i, seed in enumerate(params["seed"]):
        random.seed(int(seed))
        np.random.set_state(np.random.RandomState(int(seed) % 2**32).get_state())
        np.testing.assert_array_equal(out[i], direct(samples=fsdd_batch[i], sample_rate=8000))
    noise = out - fsdd_batch
    assert np.all(np.std(noise, axis=1) > 0)


def test_global_random_states_are_restored(fsdd_batch):
    random.seed(123)
    np.random.set_state(np.random.RandomState(123).get_state())
    want_py, want_np = random.random(), np.random.random()
    random.seed(123)
    np.random.set_state(np.random.RandomState(123).get_state())
    Audiomentations("Shift", sample_rate=8000)(fsdd_batch, rng=0)
    assert (random.random(), np.random.random()) == (want_py, want_np)


def test_instance_serializes_by_name_and_length_is_restored(fsdd_batch):
    inner = am.TimeStretch(min_rate=1.3, max_rate=1.4, leave_length_unchanged=False, p=0.1)
    aug = Audiomentations(inner, sample_rate=8000, p=1.0)
    d = aug.to_dict()
    assert d["transform"] == "TimeStretch" and d["args"]["min_rate"] == 1.3 and "p" not in d["args"]
    out = aug(fsdd_batch[:2], rng=0)
    assert out.shape == (2, 4000) and out.dtype == np.float32
    assert np.all(out[:, -500:] == 0)     # 1.3x faster: the clip is shorter, zero-padded back to T
    assert Transform.from_dict(d)(fsdd_batch[:2], rng=0).tobytes() == out.tobytes()


def test_p_zero_is_identity_and_dtype_kept(fsdd_batch):
    x64 = fsdd_batch[:2].astype(np.float64)
    assert Audiomentations("Shift", sample_rate=8000, p=0.0)(x64, rng=0).tobytes() == x64.tobytes()
    assert Audiomentations("Shift", sample_rate=8000)(x64, rng=0).dtype == np.float64


def test_errors():
    with pytest.raises(ConfigError, match="not an audiomentations transform"):
        Audiomentations("Nope", sample_rate=8000)
    with pytest.raises(ConfigError, match="failed"):
        Audiomentations("Gain", sample_rate=8000, args={"min_gain_db": 6.0, "max_gain_db": -6.0})
    with pytest.raises(ConfigError):
        Audiomentations(am.Gain(), sample_rate=8000, args={"min_gain_db": 1.0})
    with pytest.raises(ShapeError, match="integer PCM"):
        Audiomentations("Gain", sample_rate=8000)(np.zeros((1, 100), np.int16), rng=0)
