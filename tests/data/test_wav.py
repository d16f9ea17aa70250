"""WAV reader against soundfile (the reference) for every supported encoding; bad files by name."""
import numpy as np
import pytest
import soundfile as sf

from augfit.data.wav import fit_length, read_wav, write_wav
from augfit.errors import ShapeError


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"])
def test_read_wav_matches_soundfile(tmp_path, subtype):
    rng = np.random.default_rng(0)
    wave = (rng.random(1001) * 1.8 - 0.9).astype(np.float64)
    path = tmp_path / "a.wav"
    sf.write(path, wave, 8000, subtype=subtype)
    ref, sr_ref = sf.read(path, dtype="float32")
    got, sr = read_wav(path)
    assert sr == sr_ref == 8000 and got.dtype == np.float32 and got.shape == (1001,)
    np.testing.assert_allclose(got, ref, atol=1e-6)


def test_stereo_is_averaged_and_extensible_header(tmp_path):
    st = np.stack([np.linspace(-0.5, 0.5, 64), np.full(64, 0.25)], axis=1)
    path = tmp_path / "s.wav"
    # 24-bit stereo: soundfile writes a WAVE_FORMAT_EXTENSIBLE header
    sf.write(path, st, 16000, subtype="PCM_24", format="WAV")
    got, sr = read_wav(path)
    np.testing.assert_allclose(got, sf.read(path, dtype="float32")[0].mean(axis=1), atol=1e-6)
    assert sr == 16000


def test_write_then_read_round_trip(tmp_path):
    wave = np.array([0.0, 0.5, -0.5, 1.0, -1.0], np.float32)
    write_wav(tmp_path / "w.wav", wave, 8000)
    ref, _ = sf.read(tmp_path / "w.wav", dtype="float32")
    got, sr = read_wav(tmp_path / "w.wav")
    assert sr == 8000
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_allclose(got, wave, atol=1 / 32767)


def test_truncated_and_non_wav_files_are_named(tmp_path):
    good = tmp_path / "good.wav"
    write_wav(good, np.zeros(800, np.float32), 8000)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(ShapeError, match=r"cut\.wav: truncated WAV: header promises 1600 data "
                                         r"bytes, "
                                         r"file holds 1500"):
        read_wav(cut)
    fake = tmp_path / "notes.wav"
    fake.write_text("hello, I am text")
    with pytest.raises(ShapeError, match=r"notes\.wav: not a WAV file"):
        read_wav(fake)
    header_only = tmp_path / "head.wav"
    header_only.write_bytes(good.read_bytes()[:30])
    with pytest.raises(ShapeError, match=r"head\.wav: truncated"):
        read_wav(header_only)


def test_fit_length_pads_and_trims():
    x, lengths = fit_length([np.ones(3, np.float32), np.arange(6, dtype=np.float32)], 4)
    np.testing.assert_array_equal(x, [[1, 1, 1, 0], [0, 1, 2, 3]])
    assert lengths.tolist() == [3, 6]
