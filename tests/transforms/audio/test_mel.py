"""MelSpectrogram and log_mel: equal to librosa per clip, batched in one call; edge cases."""
from __future__ import annotations

import librosa
import numpy as np
import pytest

from augfit.errors import ConfigError, ShapeError
from augfit.transforms.audio.mel import (
    AMIN,
    MelSpectrogram,
    log_mel,
    mel_filterbank,
    mel_project,
    power_to_db,
)
from augfit.transforms.base import Transform

SR, N_MELS, N_FFT, HOP = 8000, 40, 256, 128


def librosa_logmel(clip: np.ndarray, log: bool = True) -> np.ndarray:
    s = librosa.feature.melspectrogram(y=clip, sr=SR, n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS)
    return librosa.power_to_db(s) if log else s


def test_matches_librosa_per_clip_on_real_speech(fsdd_batch):
    out = MelSpectrogram(sample_rate=SR, n_mels=N_MELS, n_fft=N_FFT, hop_length=HOP)(fsdd_batch)
    assert out.shape == (8, N_MELS, 1 + 4000 // HOP) and out.dtype == np.float32
    for i, clip in enumerate(fsdd_batch):
        np.testing.assert_allclose(out[i], librosa_logmel(clip), rtol=1e-4, atol=1e-4)


def test_power_output_matches_librosa(fsdd_batch):
    out = log_mel(fsdd_batch[:3], SR, N_MELS, N_FFT, HOP, log=False)
    for i in range(3):
        ref = librosa_logmel(fsdd_batch[i], log=False)
        np.testing.assert_allclose(out[i], ref, rtol=1e-4, atol=1e-4 * ref.max())


def test_top_db_is_per_clip_not_per_batch(fsdd_batch):
    loud_quiet = np.stack([fsdd_batch[0], 1e-3 * fsdd_batch[1]])
    batched = log_mel(loud_quiet, SR, N_MELS, N_FFT, HOP)
    alone = log_mel(loud_quiet[1:], SR, N_MELS, N_FFT, HOP)
    np.testing.assert_array_equal(batched[1], alone[0])
    # a whole-batch top_db (librosa on the stacked array) would have clipped the quiet clip
    whole = librosa.power_to_db(log_mel(loud_quiet, SR, N_MELS, N_FFT, HOP, log=False))
    assert whole[1].min() > batched[1].min() + 10


def test_power_to_db_hand_values():
    p = np.array([[[1.0, 0.1, 0.0]], [[100.0, 1e-12, 1.0]]])
    db = power_to_db(p, top_db=None)
    np.testing.assert_allclose(db, [[[0.0, -10.0, -100.0]], [[20.0, -100.0, 0.0]]], atol=1e-12)
    np.testing.assert_allclose(power_to_db(p, top_db=15.0),
                               [[[0.0, -10.0, -15.0]], [[20.0, 5.0, 5.0]]])


def test_silent_clip_is_floor_and_matches_librosa(fsdd_batch):
    x = fsdd_batch[:2].copy()
    x[1] = 0.0
    out = log_mel(x, SR, N_MELS, N_FFT, HOP)
    np.testing.assert_allclose(out[1], 10 * np.log10(AMIN), rtol=1e-6)
    np.testing.assert_allclose(out[1], librosa_logmel(x[1]), rtol=1e-4)
    assert np.isfinite(out).all()


def test_filterbank_built_once_and_read_only():
    a = mel_filterbank(8000.0, 256, 40)
    b = mel_filterbank(8000.0, 256, 40)
    assert a is b and not a.flags.writeable
    np.testing.assert_allclose(a, librosa.filters.mel(sr=8000, n_fft=256, n_mels=40), rtol=1e-6)


def test_float64_input_gives_float32_and_same_values(fsdd_batch):
    mel = MelSpectrogram(sample_rate=SR)
    out64 = mel(fsdd_batch[:2].astype(np.float64))
    assert out64.dtype == np.float32
    np.testing.assert_allclose(out64, mel(fsdd_batch[:2]), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((2, 2, 4000), np.float32), r"mix down with x.mean\(axis=1\)"),
    (np.zeros((2, 4000, 2), np.float32), r"mix down with x.mean\(axis=2\)"),
    (np.zeros((2, 4000), np.int16), r"integer PCM.*/ 32768"),
    (np.zeros(4000, np.float32), r"x\[None\]"),
    (np.zeros((2, 100), np.float32), r"fewer than n_fft=256"),
    ([[0.0] * 4000], r"numpy array"),
])
def test_bad_input_raises_with_fix(bad, match):
    with pytest.raises(ShapeError, match=match):
        MelSpectrogram(sample_rate=SR)(bad)


def test_nan_names_the_clip():
    x = np.zeros((3, 1000), np.float32)
    x[2, 10] = np.nan
    with pytest.raises(ShapeError, match=r"NaN or inf in clips \[2\]"):
        MelSpectrogram(sample_rate=SR)(x)


def test_serialization_round_trip_and_bad_args(fsdd_batch):
    mel = MelSpectrogram(sample_rate=SR, n_mels=32, n_fft=512, hop_length=64, log=False)
    again = Transform.from_dict(mel.to_dict())
    assert isinstance(again, MelSpectrogram) and again.to_dict() == mel.to_dict()
    np.testing.assert_array_equal(again(fsdd_batch[:2]), mel(fsdd_batch[:2]))
    for bad in ({"n_mels": 0}, {"hop_length": 2.5}, {"sample_rate": -1}, {"log": 1}, {"top_db": 0}):
        with pytest.raises(ConfigError):
            MelSpectrogram(**{"sample_rate": SR, **bad})


def test_banded_projection_equals_dense_product_and_is_batch_independent(fsdd_batch):
    power = np.abs(librosa.stft(fsdd_batch, n_fft=N_FFT, hop_length=HOP)) ** 2
    basis = mel_filterbank(8000.0, N_FFT, N_MELS).astype(np.float64)
    dense = np.einsum("mf,nft->nmt", basis, power)
    got = mel_project(power, 8000.0, N_FFT, N_MELS)
    np.testing.assert_allclose(got, dense, rtol=1e-5, atol=1e-6 * dense.max())
    whole = log_mel(fsdd_batch, SR, N_MELS, N_FFT, HOP)
    for i in (0, 5):
        assert log_mel(fsdd_batch[i:i + 1], SR, N_MELS, N_FFT, HOP).tobytes() == whole[i].tobytes()


def test_empty_batch_keeps_the_output_shape():
    out = MelSpectrogram(sample_rate=SR)(np.zeros((0, 4000), np.float32), rng=0)
    assert out.shape == (0, N_MELS, 32) and out.dtype == np.float32
