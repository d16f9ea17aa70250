"""Waveform transforms: length and dtype kept, values checked against hand formulas and librosa."""
from __future__ import annotations

import librosa
import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.transforms.audio import AddNoise, Gain, PitchShift, TimeShift, TimeStretch
from augfit.transforms.base import Transform

ALL = [AddNoise(snr_db=(10, 20)), TimeShift(shift=0.3), Gain(db=6), TimeStretch(rate=(0.8, 1.25)),
       PitchShift(sample_rate=8000, semitones=2)]


@pytest.mark.parametrize("t", ALL, ids=lambda t: type(t).__name__)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_length_dtype_kept_and_replay(t, dtype, fsdd_batch):
    x = fsdd_batch[:4].astype(dtype)
    out, params = t(x, rng=0, return_params=True)
    assert out.shape == x.shape and out.dtype == dtype
    assert not np.array_equal(out, x)
    assert np.isfinite(out).all()
    assert t.apply(x, params).tobytes() == out.tobytes()
    assert Transform.from_dict(t.to_dict())(x, rng=0).tobytes() == out.tobytes()
    assert t(x, rng=0, return_params=False).tobytes() == out.tobytes()


def test_add_noise_reaches_the_drawn_snr(fsdd_batch):
    x = fsdd_batch
    out, params = AddNoise(snr_db=(5, 30))(x, rng=1, return_params=True)
    noise = out.astype(np.float64) - x
    snr = 10 * np.log10(np.mean(x.astype(np.float64) ** 2, axis=1) / np.mean(noise**2, axis=1))
    np.testing.assert_allclose(snr, params["snr_db"], atol=0.5)
    silent = np.zeros((2, 1000), np.float32)
    assert AddNoise()(silent, rng=0).tobytes() == silent.tobytes()


def test_time_shift_is_a_roll_or_zero_filled(fsdd_batch):
    x = fsdd_batch[:3]
    params = {"shift": np.array([100, -250, 0])}
    out = TimeShift().apply(x, params)
    for i, s in enumerate(params["shift"]):
        np.testing.assert_array_equal(out[i], np.roll(x[i], s))
    out = TimeShift(rollover=False).apply(x, params)
    np.testing.assert_array_equal(out[0, :100], 0)
    np.testing.assert_array_equal(out[0, 100:], x[0, :-100])
    np.testing.assert_array_equal(out[1, -250:], 0)
    np.testing.assert_array_equal(out[1, :-250], x[1, 250:])
    _, drawn = TimeShift(shift=(-0.1, 0.1))(x, rng=0, return_params=True)
    assert np.abs(drawn["shift"]).max() <= 400


def test_gain_hand_values():
    x = np.full((2, 4), 0.01, np.float32)
    out = Gain().apply(x, {"db": np.array([20.0, -6.0])})
    np.testing.assert_allclose(out[0], 0.1, rtol=1e-6)
    np.testing.assert_allclose(out[1], 0.01 * 10 ** (-6 / 20), rtol=1e-6)


def test_time_stretch_equals_librosa_then_fix_length(fsdd_batch):
    x = fsdd_batch[:2]
    out = TimeStretch().apply(x, {"rate": np.array([1.25, 0.8])})
    for i, rate in enumerate([1.25, 0.8]):
        stretched = librosa.effects.time_stretch(x[i], rate=rate)
        want = librosa.util.fix_length(stretched, size=x.shape[1])
        np.testing.assert_allclose(out[i], want, rtol=1e-6, atol=1e-7)
    assert np.all(out[0, -700:] == 0)          # faster: 3200 samples of content, padded to 4000


def test_pitch_shift_moves_a_tone_one_octave():
    sr, t = 8000, np.arange(8000) / 8000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
    out = PitchShift(sample_rate=sr).apply(tone, {"semitones": np.array([12.0])})
    spectrum = np.abs(np.fft.rfft(out[0, 1000:7000]))
    peak_hz = np.argmax(spectrum) * sr / 6000
    assert abs(peak_hz - 880) < 5
    want = librosa.effects.pitch_shift(tone[0], sr=sr, n_steps=12.0)
    np.testing.assert_allclose(out[0], want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 1000), np.int16), "integer PCM"),
    (np.zeros((2, 2, 1000), np.float32), "mix down"),
    (np.full((2, 1000), np.nan, np.float32), "NaN"),
])
def test_bad_input(bad, match):
    for t in ALL:
        with pytest.raises(ShapeError, match=match):
            t(bad, rng=0)


def test_bad_arguments():
    cases = [(AddNoise, {"snr_db": (30, 10)}), (TimeShift, {"shift": (-2.0, 0.0)}),
             (TimeShift, {"rollover": "no"}), (Gain, {"db": "loud"}),
             (TimeStretch, {"rate": (0.0, 1.0)}), (PitchShift, {"sample_rate": 0}),
             (PitchShift, {"sample_rate": 8000, "semitones": (-30, 0)})]
    for cls, kw in cases:
        with pytest.raises(ConfigError):
            cls(**kw)
