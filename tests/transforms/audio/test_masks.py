"""SpecAugment FrequencyMask / TimeMask: hand examples, bounds, counts, per-sample draws, replay."""
from __future__ import annotations

import numpy as np
import pytest

import augfit as af
from augfit.errors import ConfigError, ShapeError
from augfit.transforms.audio import FrequencyMask, MelSpectrogram, TimeMask, TimeWarp
from augfit.transforms.audio.masks import band_mask


def spectrograms(n: int = 16, f: int = 24, t: int = 40, seed: int = 0) -> np.ndarray:
    # continuous random values: no entry equals a fill value by chance
    return np.random.default_rng(seed).normal(-40.0, 10.0, (n, f, t)).astype(np.float32)


def expected_union(start: np.ndarray, width: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros((start.shape[0], length), bool)
    for i in range(start.shape[0]):
        for s, w in zip(start[i], width[i], strict=True):
            out[i, s:s + w] = True
    return out


def test_frequency_mask_hand_example():
    x = np.arange(2 * 6 * 3, dtype=np.float32).reshape(2, 6, 3)
    params = {"start": np.array([[1, 2], [4, 0]]), "width": np.array([[2, 2], [2, 0]]),
              "applied": np.array([True, True])}
    out = FrequencyMask(max_width=3, num_masks=2, mask_value="mean").apply(x, params)
    want = x.copy()
    want[0, 1:4] = x[0].mean()        # bands [1, 3) and [2, 4) overlap: rows 1, 2, 3
    want[1, 4:6] = x[1].mean()        # second band has width 0
    np.testing.assert_array_equal(out, want)
    untouched = np.arange(36, dtype=np.float32).reshape(2, 6, 3)
    np.testing.assert_array_equal(x, untouched)                   # the input is not modified


def test_time_mask_hand_example_with_constant():
    x = np.ones((1, 2, 5), np.float32)
    params = {"start": np.array([[3]]), "width": np.array([[2]])}
    out = TimeMask(max_width=2, num_masks=1, mask_value=-100.0).apply(x, params)
    np.testing.assert_array_equal(out, [[[1, 1, 1, -100, -100], [1, 1, 1, -100, -100]]])


@pytest.mark.parametrize("cls, axis, kw", [
    (FrequencyMask, 1, {"max_width": 7, "num_masks": 3}),
    (FrequencyMask, 1, {"max_width": 100, "num_masks": 2}),      # wider than F: limited to F
    (TimeMask, 2, {"max_width": 12, "num_masks": 2}),
    (TimeMask, 2, {"max_width": 30, "num_masks": 2, "max_fraction": 0.2}),
])
def test_bounds_and_masked_counts(cls, axis, kw):
    x = spectrograms(n=64)
    t = cls(mask_value="zero", **kw)
    out, params = t(x, rng=3, return_params=True)
    length = x.shape[axis]
    limit = min(kw["max_width"], length, int(kw.get("max_fraction", 1.0) * length))
    start, width = params["start"], params["width"]
    assert start.shape == width.shape == (64, kw["num_masks"])
    assert width.min() >= 0 and width.max() <= limit
    assert start.min() >= 0 and (start + width).max() <= length
    assert width.max() >= limit - 2          # the whole range is used, not just small widths
    union = expected_union(start, width, length)
    masked = (out == 0).all(axis=3 - axis)  # rows (freq) or columns (time) fully zero
    np.testing.assert_array_equal(masked, union)
    np.testing.assert_array_equal(band_mask(start, width, length), union)
    untouched = np.where(np.expand_dims(union, 3 - axis), 0, x)
    np.testing.assert_array_equal(np.where(np.expand_dims(union, 3 - axis), 0, out), untouched)


def test_masks_differ_between_samples_of_a_batch():
    x = spectrograms(n=8)
    for t in (FrequencyMask(max_width=8), TimeMask(max_width=10)):
        _, params = t(x, rng=0, return_params=True)
        rows = {tuple(s) + tuple(w) for s, w in zip(params["start"], params["width"], strict=True)}
        assert len(rows) >= 6


def test_same_seed_same_bytes_and_different_seed_differs():
    x = spectrograms()
    t = TimeMask(max_width=10, num_masks=2, mask_value="mean")
    a, b, c = t(x, rng=5), t(x, rng=5), t(x, rng=6)
    assert a.tobytes() == b.tobytes() and a.tobytes() != c.tobytes()


def test_p_zero_identity_and_partial_p():
    x = spectrograms(n=32)
    assert FrequencyMask(p=0.0)(x, rng=1).tobytes() == x.tobytes()
    out, params = FrequencyMask(max_width=10, p=0.5)(x, rng=1, return_params=True)
    skipped = ~params["applied"]
    assert 0 < skipped.sum() < 32
    np.testing.assert_array_equal(out[skipped], x[skipped])


def test_mean_fill_is_each_spectrograms_own_mean():
    x = spectrograms(n=4)
    x[2] += 50.0
    out, params = FrequencyMask(max_width=5, num_masks=1)(x, rng=2, return_params=True)
    for i in range(4):
        s, w = params["start"][i, 0], params["width"][i, 0]
        np.testing.assert_allclose(out[i, s:s + w], x[i].mean(), rtol=1e-6)


def test_compose_mel_and_masks_on_real_speech_replays(fsdd_batch):
    aug = af.Compose([MelSpectrogram(sample_rate=8000), FrequencyMask(max_width=8, num_masks=2),
                      TimeMask(max_width=6, num_masks=2, max_fraction=0.2)], seed=0)
    out, record = aug(fsdd_batch, return_params=True)
    assert out.shape == (8, 40, 32) and out.dtype == np.float32
    assert aug.replay(fsdd_batch, record).tobytes() == out.tobytes()
    again = af.Compose.from_dict(aug.to_dict())
    assert again(fsdd_batch).tobytes() == out.tobytes()


def test_bad_arguments_and_inputs():
    for bad in ({"max_width": 0}, {"num_masks": 0}, {"mask_value": "median"},
                {"mask_value": np.inf}, {"p": 2.0}):
        with pytest.raises(ConfigError):
            FrequencyMask(**bad)
    for bad in ({"max_fraction": 0.0}, {"max_fraction": 1.01}):
        with pytest.raises(ConfigError, match="max_fraction"):
            TimeMask(**bad)
    with pytest.raises(ShapeError, match="MelSpectrogram"):
        TimeMask()(np.zeros((2, 8000), np.float32))
    with pytest.raises(ShapeError, match="float"):
        TimeMask()(np.zeros((2, 4, 8), np.int16))
    _, params = TimeMask(max_width=5)(spectrograms(t=40), rng=0, return_params=True)
    params["start"] = params["start"] + 38
    with pytest.raises(ShapeError, match="reach past"):
        TimeMask(max_width=5).apply(spectrograms(t=40), params)


def test_time_warp_hand_example_on_a_ramp():
    frames = 11
    x = np.tile(np.arange(frames, dtype=np.float64), (1, 2, 1))      # value = frame index
    out = TimeWarp(max_warp=3).apply(x, {"center": np.array([5]), "warp": np.array([2])})
    # frames [0, 5] stretched onto [0, 7], frames [5, 10] squeezed onto [7, 10]
    want = np.r_[np.arange(7) * 5 / 7, 5 + (np.arange(7, 11) - 7) * 5 / 3]
    np.testing.assert_allclose(out[0, 0], want, rtol=1e-12)
    np.testing.assert_array_equal(out[0, 0], out[0, 1])


def test_time_warp_zero_is_identity_and_ends_stay():
    x = spectrograms(n=32, t=40)
    same = TimeWarp().apply(x, {"center": np.full(32, 20), "warp": np.zeros(32, int)})
    assert same.tobytes() == x.tobytes()
    out, params = TimeWarp(max_warp=6)(x, rng=0, return_params=True)
    assert np.abs(params["warp"]).max() <= 6 and (params["warp"] != 0).any()
    assert params["center"].min() >= 7 and params["center"].max() <= 40 - 2 - 6
    np.testing.assert_array_equal(out[:, :, 0], x[:, :, 0])
    np.testing.assert_array_equal(out[:, :, -1], x[:, :, -1])
    assert out.dtype == np.float32 and TimeWarp(max_warp=6)(x, rng=0).tobytes() == out.tobytes()
    tiny = spectrograms(n=2, t=4)
    assert TimeWarp(max_warp=10)(tiny, rng=0).shape == tiny.shape       # W reduced to fit
    with pytest.raises(ShapeError, match="at least 3 frames"):
        TimeWarp()(spectrograms(n=2, t=2), rng=0)


def test_band_mean_fill_keeps_each_bands_level():
    x = spectrograms(n=3, f=6, t=10)
    x += np.arange(6, dtype=np.float32)[None, :, None] * 20.0      # bands at different levels
    params = {"start": np.array([[2], [0], [7]]), "width": np.array([[3], [1], [3]])}
    out = TimeMask(max_width=3, num_masks=1, mask_value="band_mean").apply(x, params)
    band_means = x[0].mean(axis=1)[:, None]
    np.testing.assert_allclose(out[0, :, 2:5], np.repeat(band_means, 3, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(out[0, :, :2], x[0, :, :2])
    fparams = {"start": np.array([[1], [4], [0]]), "width": np.array([[2], [2], [0]])}
    fout = FrequencyMask(max_width=2, num_masks=1, mask_value="band_mean").apply(x, fparams)
    band_means = x[1, 4:6].mean(axis=1)[:, None]
    np.testing.assert_allclose(fout[1, 4:6], np.repeat(band_means, 10, axis=1), rtol=1e-6)
    np.testing.assert_array_equal(fout[2], x[2])
