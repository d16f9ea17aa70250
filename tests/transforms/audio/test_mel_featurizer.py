"""audio_logmel featurizer: same log-mel as librosa, per-band statistics from training data only."""
from __future__ import annotations

import json

import librosa
import numpy as np
import pytest

from augfit.data.features import AudioLogMel, make_featurizer
from augfit.errors import ConfigError, ShapeError
from augfit.registry import FEATURIZERS
from augfit.transforms.audio import FrequencyMask, MelSpectrogram


def test_registered_and_built_from_spec():
    assert FEATURIZERS.get("audio_logmel") is AudioLogMel
    f = make_featurizer({"type": "audio_logmel", "n_mels": 32, "hop_length": 64})
    assert isinstance(f, AudioLogMel) and (f.n_mels, f.hop_length) == (32, 64)


def test_statistics_fitted_on_training_clips_match_librosa(fsdd_batch):
    train, test = fsdd_batch[:6], fsdd_batch[6:]
    f = AudioLogMel(sample_rate=8000, n_mels=40, n_fft=256, hop_length=128).fit(train)
    ref = np.stack([librosa.power_to_db(librosa.feature.melspectrogram(
        y=c, sr=8000, n_fft=256, hop_length=128, n_mels=40)) for c in train]).astype(np.float64)
    np.testing.assert_allclose(f.mean_, ref.mean(axis=(0, 2)), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(f.std_, ref.std(axis=(0, 2)), rtol=1e-4, atol=1e-3)
    assert f.n_frames_ == 32 and f.n_features_ == 40 * 32
    z = f.transform(train).reshape(6, 40, 32)
    np.testing.assert_allclose(z.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(z.std(axis=(0, 2)), 1, atol=1e-4)
    # test clips use the training statistics, never their own
    ref_test = np.stack([librosa.power_to_db(librosa.feature.melspectrogram(
        y=c, sr=8000, n_fft=256, hop_length=128, n_mels=40)) for c in test])
    want = ((ref_test - f.mean_[:, None]) / f.std_[:, None]).reshape(2, -1)
    np.testing.assert_allclose(f.transform(test), want, rtol=1e-4, atol=1e-3)
    assert f.transform(test).dtype == np.float32


def test_spectrogram_input_equals_waveform_input(fsdd_batch):
    f = AudioLogMel(n_mels=40).fit(fsdd_batch)
    spec = MelSpectrogram(sample_rate=8000, n_mels=40)(fsdd_batch)
    np.testing.assert_array_equal(f.transform(spec), f.transform(fsdd_batch))
    g = AudioLogMel(n_mels=40).fit(spec)
    np.testing.assert_array_equal(g.mean_, f.mean_)
    masked = FrequencyMask(max_width=8, mask_value="zero")(spec, rng=0)   # augmented spectrograms
    assert f.transform(masked).shape == (8, 40 * 32)


def test_chunked_equals_one_call(fsdd_batch):
    a = AudioLogMel(chunk_size=3).fit(fsdd_batch)
    b = AudioLogMel(chunk_size=1024).fit(fsdd_batch)
    np.testing.assert_array_equal(a.transform(fsdd_batch), b.transform(fsdd_batch))


def test_mismatched_bands_and_frames_say_how_to_fix(fsdd_batch):
    f = AudioLogMel(n_mels=40).fit(fsdd_batch)
    spec64 = MelSpectrogram(sample_rate=8000, n_mels=64)(fsdd_batch)
    with pytest.raises(ShapeError, match=r"F=64 .*n_mels=40; build it with n_mels=64"):
        f.transform(spec64)
    with pytest.raises(ShapeError, match="fitted on 32"):
        f.transform(fsdd_batch[:, :2000])
    with pytest.raises(ShapeError, match="integer PCM"):
        f.transform((fsdd_batch * 32767).astype(np.int16))


def test_silent_training_band_does_not_divide_by_zero():
    x = np.zeros((4, 2000), np.float32)
    f = AudioLogMel().fit(x)
    np.testing.assert_array_equal(f.std_, 1.0)
    np.testing.assert_allclose(f.transform(x), 0.0, atol=1e-4)


def test_state_round_trip_through_json(fsdd_batch):
    f = AudioLogMel(n_mels=24, hop_length=100).fit(fsdd_batch[:5])
    spec = json.loads(json.dumps(f.to_dict(state=True)))
    g = make_featurizer(spec)
    np.testing.assert_array_equal(g.transform(fsdd_batch), f.transform(fsdd_batch))
    h = AudioLogMel(n_mels=24, hop_length=100).set_state(f.get_state())
    np.testing.assert_array_equal(h.transform(fsdd_batch), f.transform(fsdd_batch))
    with pytest.raises(ConfigError, match="n_mels=40"):
        AudioLogMel(n_mels=40).set_state(f.get_state())


def test_unfitted_and_bad_arguments(fsdd_batch):
    with pytest.raises(ConfigError, match="not fitted"):
        AudioLogMel().transform(fsdd_batch)
    for bad in ({"n_mels": 0}, {"eps": -1.0}, {"chunk_size": 0}, {"sample_rate": "8k"}):
        with pytest.raises(ConfigError):
            AudioLogMel(**bad)


def test_loader_with_mel_and_masks_as_augment(fsdd_batch):
    import augfit as af

    ds = af.datasets.from_arrays(fsdd_batch, np.arange(8) % 4, modality="audio")
    aug = af.Compose([MelSpectrogram(sample_rate=8000, n_mels=40),
                      FrequencyMask(max_width=6, mask_value="zero")], seed=0)
    loader = af.DataLoader(ds, batch_size=4, shuffle=False, augment=aug,
                           features={"type": "audio_logmel", "n_mels": 40}, seed=0)
    assert loader.n_features == 40 * 32
    xb, yb = next(iter(loader))
    assert yb.shape == (4,)
    assert xb.shape == (4, 1280) and xb.dtype == np.float32
    clean = loader.featurize(fsdd_batch[:4])
    direct = AudioLogMel(n_mels=40).fit(fsdd_batch).transform(fsdd_batch[:4])
    np.testing.assert_array_equal(clean, direct)
    same_rows = (xb.reshape(4, 40, 32) == clean.reshape(4, 40, 32)).all(axis=2)
    assert (~same_rows).any()           # masked bands differ from the clean features
