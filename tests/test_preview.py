"""Preview: files written and non-empty, the expected number of panels, deterministic from the
seed."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import augfit as af
from augfit.data.datasets import from_arrays
from augfit.data.wav import read_wav
from augfit.preview import preview, word_diff
from augfit.rng import derive
from augfit.transforms import audio as A
from augfit.transforms import image as I

DEMO = Path(__file__).resolve().parents[1] / "pipelines" / "digits_overfitting.yaml"


def test_word_diff_marks_edits():
    assert word_diff("a b c", "a x c") == "a <del>b</del> <ins>x</ins> c"
    assert word_diff("a b c", "a b c") == "a b c"
    assert word_diff("x <y>", "x") == "x <del>&lt;y&gt;</del>"


def test_image_grid_page_and_determinism(tmp_path):
    import matplotlib.image as mpimg

    aug = af.Compose([I.Rotate(limit=20), I.HorizontalFlip(p=0.5)])
    r = preview(aug, "digits", n=3, versions=2, out=tmp_path / "a", seed=4)
    assert r.modality == "image" and r.panels == 9
    assert len(r.augmented) == 2 and all(o.shape == r.originals.shape for o in r.augmented)
    for k, o in enumerate(r.augmented):          # version k is drawn with derive(seed, k + 1)
        np.testing.assert_array_equal(o, aug(r.originals, rng=derive(4, k + 1)))
    assert not np.array_equal(r.augmented[0], r.augmented[1])
    grid = mpimg.imread(r.paths["grid"])
    h, w = grid.shape[:2]
    assert 0.7 < (w / h) / (3 / 3) < 1.4                  # 3 rows x 3 columns of square panels
    page = r.paths["html"].read_text()
    assert len(re.findall(r"<img ", page)) == 1 and "data:image/png;base64," in page
    again = preview(aug, "digits", n=3, versions=2, out=tmp_path / "b", seed=4)
    assert (tmp_path / "b" / "index.html").read_bytes() == r.paths["html"].read_bytes()
    other = preview(aug, "digits", n=3, versions=2, out=None, seed=5)
    assert not np.array_equal(other.originals, again.originals)
    wide = preview(aug, "digits", n=2, versions=5, out=tmp_path / "c", seed=0)
    gh, gw = mpimg.imread(wide.paths["grid"]).shape[:2]
    assert wide.panels == 12 and 2.0 < gw / gh < 4.0     # 2 rows x 6 columns


def test_text_page_highlights_edits(tmp_path):
    sents = ["the movie was a quiet and lovely surprise", "a dull plot with flat and tired jokes",
             "brilliant acting saves an otherwise thin story"]
    ds = from_arrays(sents, [1, 0, 1])
    aug = af.Compose([af.transforms.get("RandomDeletion")(alpha=0.3)])
    r = preview(aug, ds, n=3, versions=2, out=tmp_path, seed=0)
    page = r.paths["html"].read_text()
    assert r.panels == 9 and page.count("<td>") == 9
    changed = 0
    for o in r.augmented:
        for a, b in zip(r.originals, o, strict=True):
            it = iter(a.split())
            assert all(w in it for w in b.split())          # deletion only: a subsequence
            changed += a != b
    assert changed >= 1 and page.count("<del>") >= changed and "<ins>" not in page


def _tones():
    t = np.arange(4000) / 8000.0
    x = np.stack([0.5 * np.sin(2 * np.pi * f * t) for f in (220, 440, 880)]).astype(np.float32)
    return from_arrays(x, [0, 1, 2], modality="audio", meta={"sample_rate": 8000})


def test_audio_waveform_pipeline_writes_wavs_and_spectrograms(tmp_path):
    aug = af.Compose([A.Gain(db=(-12.0, -6.0))])
    r = preview(aug, _tones(), n=3, versions=2, out=tmp_path, seed=0)
    wavs = sorted((tmp_path / "wav").glob("*.wav"))
    assert len(wavs) == 3 * (1 + 2) and r.paths["grid"].stat().st_size > 1000
    wave, sr = read_wav(tmp_path / "wav" / "0_version1.wav")
    assert sr == 8000 and wave.shape == (4000,)
    np.testing.assert_allclose(wave, r.augmented[0][0], atol=1 / 32767)
    assert r.paths["html"].read_text().count("<audio ") == 9


def test_audio_specaugment_pipeline_shows_spectrograms(tmp_path):
    aug = af.Compose([A.MelSpectrogram(sample_rate=8000), A.FrequencyMask(max_width=8),
                      A.TimeMask(max_width=5)])
    r = preview(aug, _tones(), n=2, versions=3, out=tmp_path, seed=1)
    assert r.panels == 8 and r.augmented[0].ndim == 3
    assert len(list((tmp_path / "wav").glob("*.wav"))) == 2      # only the originals can be played
    assert "only the originals can be played" in r.paths["html"].read_text()


def test_bad_arguments():
    with pytest.raises(af.ConfigError, match=r"preview\(n=...\)"):
        preview(af.Compose([I.HorizontalFlip()]), "digits", n=0, out=None)
    with pytest.raises(af.ConfigError, match="is not a file"):
        preview("no/such/pipeline.yaml", "digits", out=None)
    with pytest.raises(af.ConfigError, match="pass method="):
        preview(str(DEMO), "digits", out=None)


def test_pipeline_from_files_and_dataset_from_spec(tmp_path):
    aug = af.Compose([I.Rotate(limit=10)])
    (tmp_path / "aug.yaml").write_text(aug.to_yaml())
    a = preview(str(tmp_path / "aug.yaml"), "digits", n=2, versions=1, out=None, seed=3)
    np.testing.assert_array_equal(a.augmented[0], aug(a.originals, rng=derive(3, 1)))
    (tmp_path / "bad.yaml").write_text("[{type: Rotate, limit: 15deg}]")
    with pytest.raises(af.ConfigError,
                       match=r"preview: pipeline \(from .*bad.yaml\): \[0\].limit: "):
        preview(str(tmp_path / "bad.yaml"), "digits", out=None)
    b = preview(str(DEMO), method="rotate", n=2, versions=1, out=None, seed=3)
    assert b.modality == "image" and b.originals.shape == (2, 8, 8)
    with pytest.raises(af.ConfigError, match="pass dataset="):
        preview(str(tmp_path / "aug.yaml"), out=None)
