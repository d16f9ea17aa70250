"""Preview: one row per sample (original, then its versions), each card with the label and the
parameters drawn for it (equal to the record's, and to what replay applies), playable audio for
waveform and spectrogram pipelines, deterministic from the seed; rendered in headless Chromium."""
from __future__ import annotations

import base64
import html
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
from augfit.transforms.mixing import MixUp
from augfit.viz.gallery import label_text

DEMO = Path(__file__).resolve().parents[1] / "pipelines" / "digits_overfitting.yaml"


def test_word_diff_marks_edits():
    assert word_diff("a b c", "a x c") == "a <del>b</del> <ins>x</ins> c"
    assert word_diff("a b c", "a b c") == "a b c"
    assert word_diff("x <y>", "x") == "x <del>&lt;y&gt;</del>"


def _cards(page: str) -> list[list[str]]:
    """The cards of a preview page, per sample row."""
    rows = page.split('<h3 class="sample">')[1:]
    return [row.split('<figure class="card')[1:] for row in rows]


def _labels(cards: list[str]) -> list[str]:
    return [html.unescape(re.search(r'<span class="lab">([^<]*)</span>', c).group(1))
            for c in cards]


def _png(card: str) -> np.ndarray:
    import cv2

    data = re.search(r'src="data:image/png;base64,([^"]+)"', card).group(1)
    return cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_UNCHANGED)


def test_image_page_rows_labels_and_determinism(tmp_path):
    aug = af.Compose([I.Rotate(limit=20), I.HorizontalFlip(p=0.5)])
    r = preview(aug, "digits", n=3, versions=2, out=tmp_path / "a", seed=4)
    assert r.modality == "image" and r.panels == 9
    assert len(r.augmented) == 2 and all(o.shape == r.originals.shape for o in r.augmented)
    for k, o in enumerate(r.augmented):          # version k is drawn with derive(seed, k + 1)
        np.testing.assert_array_equal(o, aug(r.originals, rng=derive(4, k + 1)))
    assert not np.array_equal(r.augmented[0], r.augmented[1])
    page = r.paths["html"].read_text()
    rows = _cards(page)
    assert [len(row) for row in rows] == [3, 3, 3]        # per sample: original, then 2 versions
    classes = [r.gallery.classes[int(c)] for c in r.gallery.y]
    assert len(set(classes)) == 3                         # one sample per class first
    for row, name in zip(rows, classes, strict=True):
        assert _labels(row) == [name] * 3                 # flips and rotations keep the label
        for card in row:
            img = _png(card)                              # 8x8 digits enlarged 21x, no smoothing
            assert img.shape[:2] == (168, 168) and len(np.unique(img)) <= 64
        assert "original · label" in row[0] and "<li>" not in row[0]
        assert all("rotate " in c for c in row[1:])       # every version names its angle
    assert "Pipeline: <code>Rotate(limit=20) → HorizontalFlip(p=0.5)</code>" in page
    again = preview(aug, "digits", n=3, versions=2, out=tmp_path / "b", seed=4)
    assert (tmp_path / "b" / "index.html").read_bytes() == r.paths["html"].read_bytes()
    other = preview(aug, "digits", n=3, versions=2, out=None, seed=5)
    assert not np.array_equal(other.originals, again.originals)
    wide = preview(aug, "digits", n=2, versions=5, out=tmp_path / "c", seed=0)
    assert wide.panels == 12 and [len(r) for r in _cards(wide.paths["html"].read_text())] == [6, 6]


def test_rotate_shows_the_angle_that_replay_applies(tmp_path):
    rot = I.Rotate(limit=30)
    aug = af.Compose([rot])
    r = preview(aug, "digits", n=3, versions=2, out=tmp_path, seed=7)
    rows = _cards(r.paths["html"].read_text())
    for k in range(2):
        record = r.gallery.records[k]
        np.testing.assert_array_equal(aug.replay(r.originals, record), r.augmented[k])
        shown = []
        for i in range(3):
            angle = float(record["inner"][0]["angle"][i])
            (drawn,) = r.gallery.drawn[k][i]
            assert drawn.values["angle"] == angle and drawn.text == f"rotate {angle:+.1f}°"
            assert f"<li>rotate {angle:+.1f}°</li>" in rows[i][k + 1]   # on that sample's card
            shown.append(drawn.values["angle"])
        # the angles shown are the ones applied: a record written by hand with them gives the
        # same images
        hand = {"angle": np.array(shown), "applied": np.ones(3, bool)}
        np.testing.assert_array_equal(rot.replay(r.originals, hand), r.augmented[k])


def test_mixup_shows_lambda_partner_and_the_mixed_label(tmp_path):
    assert label_text(np.array([0.0, 0.25, 0.75]), ["a", "b", "c"]) == "0.75 × c + 0.25 × b"
    assert label_text(np.array([0.0, 1.0]), ["a", "b"]) == "b"
    r = preview(MixUp(alpha=1.0), "digits", n=4, versions=2, out=tmp_path, seed=1)
    g, rows = r.gallery, _cards(r.paths["html"].read_text())
    y, classes = g.y, g.classes
    mixed = 0
    for k in range(2):
        rec = g.records[k]
        for i in range(4):
            lam, j, w = rec["lam"][i], int(rec["partner"][i]), rec["weight"][i]
            # by hand: x' = λ x + (1 - λ) x[partner] (float images), label w e_y + (1 - w) e_y'
            np.testing.assert_allclose(r.augmented[k][i], lam * r.originals[i]
                                       + (1 - lam) * r.originals[j], atol=1e-6)
            soft = w * np.eye(10)[y[i]] + (1 - w) * np.eye(10)[y[j]]
            assert _labels(rows[i])[k + 1] == label_text(soft, classes)
            text = g.drawn[k][i][0].text
            assert f"λ={lam:.2f}" in text and f"#{j}" in text
            mixed += j != i and 0.01 < w < 0.99
    assert mixed >= 2 and " × " in r.paths["html"].read_text()


def test_policy_shows_each_operation_and_magnitude():
    ra = I.RandAugment(num_ops=2, magnitude=9)
    r = preview(ra, "digits", n=3, versions=1, out=None, seed=2)
    rec = r.gallery.records[0]
    for i, ops in enumerate(ra.op_names(rec)):
        (drawn,) = r.gallery.drawn[0][i]
        assert [part.split(" ")[0] for part in drawn.text.removesuffix(" (M=9)").split(", ")] \
            == ops
        np.testing.assert_array_equal(drawn.values["magnitude"], rec["magnitude"][i])


def test_text_page_highlights_edits(tmp_path):
    sents = ["the movie was a quiet and lovely surprise", "a dull plot with flat and tired jokes",
             "brilliant acting saves an otherwise thin story"]
    ds = from_arrays(sents, [1, 0, 1])
    aug = af.Compose([af.transforms.get("RandomDeletion")(alpha=0.3)])
    r = preview(aug, ds, n=3, versions=2, out=tmp_path, seed=0)
    page = r.paths["html"].read_text()
    assert r.panels == 9 and page.count('<figure class="card') == 9
    deleted = r.gallery.records[0]["inner"][0]["deleted"]
    for i in range(3):                      # the words deleted, by index, as the record has them
        (drawn,) = r.gallery.drawn[0][i]
        assert drawn.values["deleted"] == deleted[i]
        assert drawn.text == "deleted words " + (", ".join(f"#{j}" for j in deleted[i]) or "none")
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


def test_audio_waveform_pipeline_plays_every_version(tmp_path):
    aug = af.Compose([A.Gain(db=(-12.0, -6.0))])
    r = preview(aug, _tones(), n=3, versions=2, out=tmp_path, seed=0)
    wavs = sorted((tmp_path / "wav").glob("*.wav"))
    assert len(wavs) == 3 * (1 + 2)
    wave, sr = read_wav(tmp_path / "wav" / "0_version1.wav")
    assert sr == 8000 and wave.shape == (4000,)
    np.testing.assert_allclose(wave, r.augmented[0][0], atol=1 / 32767)
    page = r.paths["html"].read_text()
    assert page.count("<audio ") == 9 and "time (s)" not in page     # axes are in the PNGs
    db = r.gallery.records[0]["inner"][0]["db"][0]
    assert f"gain {db:+.1f} dB" in _cards(page)[0][1]
    assert "inverted" not in page


def test_audio_specaugment_pipeline_plays_inverted_spectrograms(tmp_path):
    mel = A.MelSpectrogram(sample_rate=8000)
    aug = af.Compose([mel, A.FrequencyMask(max_width=8), A.TimeMask(max_width=5)])
    r = preview(aug, _tones(), n=2, versions=3, out=tmp_path, seed=1)
    assert r.panels == 8 and r.augmented[0].ndim == 3
    # each sample: the original, the original inverted, and 3 inverted versions
    assert len(list((tmp_path / "wav").glob("*.wav"))) == 2 * 5
    page = r.paths["html"].read_text()
    assert "approximation" in page and "Griffin-Lim" in page and page.count("<audio ") == 10
    # the inverted audio has the spectrogram it came from (up to the inversion's error)
    for i in range(2):
        inv, _ = read_wav(tmp_path / "wav" / f"{i}_version1.wav")
        again = mel(inv[None], rng=0)[0]
        power, target = 10 ** (again.ravel() / 10), 10 ** (r.augmented[0][i].ravel() / 10)
        assert np.corrcoef(power, target)[0, 1] > 0.95      # measured 0.99 on both clips
    rec = r.gallery.records[0]["inner"][2]                   # the TimeMask's record
    for i in range(2):
        spans = [(int(s), int(w)) for s, w in zip(rec["start"][i], rec["width"][i], strict=True)
                 if w > 0]
        text = next(d.text for d in r.gallery.drawn[0][i] if d.transform == "TimeMask")
        for s, w in spans:       # frames, and their seconds at hop 128 / 8000 Hz
            assert f"{s}" in text and f"({s * 0.016:.2f}–{(s + w) * 0.016:.2f} s)" in text
    png = _png(_cards(page)[0][1])                # a spectrogram with axes and a colour bar
    assert png.shape[1] > png.shape[0] > 100


def test_bad_arguments():
    with pytest.raises(af.ConfigError, match=r"preview\(n=...\)"):
        preview(af.Compose([I.HorizontalFlip()]), "digits", n=0, out=None)
    with pytest.raises(af.ConfigError, match="is not a file"):
        preview("no/such/pipeline.yaml", "digits", out=None)
    with pytest.raises(af.ConfigError, match=r"--method \(method= in Python\) names a method "
                       "with data augmentation: rotate"):
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


@pytest.mark.slow
def test_image_page_renders_in_chromium(tmp_path, browser_probe):
    aug = af.Compose([I.Rotate(limit=20), I.RandomResizedCrop(scale=(0.6, 1.0)), MixUp(alpha=0.4)])
    r = preview(aug, "digits", n=3, versions=2, out=tmp_path / "page", seed=0)
    seen = browser_probe(r.paths["html"], tmp_path)
    assert seen["images"] == 9 and seen["decoded"] == 9 and seen["minWidth"] >= 168
    assert seen["audios"] == 0 and seen["errors"] == [] and seen["console"] == []


@pytest.mark.slow
def test_fsdd_spectrogram_page_renders_and_plays_in_chromium(tmp_path, browser_probe, fsdd_path):
    spec = Path(__file__).resolve().parents[1] / "pipelines" / "fsdd_specaugment.yaml"
    r = preview(str(spec), method="specaugment", n=2, versions=2, out=tmp_path / "page", seed=0,
                dataset_options={"path": str(fsdd_path)})
    assert r.modality == "audio" and r.augmented[0].shape == (2, 40, 63)
    seen = browser_probe(r.paths["html"], tmp_path)
    # per sample: the original and 2 versions (spectrograms); original, original inverted and
    # 2 inverted versions (players), every one with a WAV that loads
    assert seen["images"] == 6 and seen["decoded"] == 6
    assert seen["audios"] == 8 and seen["withSource"] == 8 and seen["playable"] == 8
    assert seen["errors"] == [] and seen["console"] == []


@pytest.mark.slow
def test_four_versions_fit_one_row_at_1400_px(tmp_path, browser_probe):
    examples = Path(__file__).resolve().parents[1] / "datasets" / "examples"
    words = af.datasets.load("audio_folder", path=str(examples / "spoken_words"))
    pages = [preview(af.Compose([I.Rotate(limit=20)]), "digits", n=2, versions=4,
                     out=tmp_path / "image", seed=0),
             preview(af.Compose([A.MelSpectrogram(sample_rate=8000), A.TimeMask()]), words, n=2,
                     versions=4, out=tmp_path / "audio", seed=0)]
    for r in pages:
        seen = browser_probe(r.paths["html"], tmp_path)
        assert seen["viewport"] == 1400 and seen["errors"] == []
        assert seen["cardLines"] == [1, 1], (r.modality, seen["cardLines"])


def test_audio_pipeline_takes_its_sample_rate_from_the_dataset(tmp_path):
    from augfit.transforms.base import Transform

    examples = Path(__file__).resolve().parents[1] / "datasets" / "examples"
    words = af.datasets.load("audio_folder", path=str(examples / "spoken_words"))
    assert words.meta["sample_rate"] == 8000
    pipeline = {"type": "Compose", "transforms": [{"type": "MelSpectrogram", "n_mels": 32},
                                                  {"type": "TimeMask", "p": 0.0}]}
    r = preview(pipeline, words, n=2, versions=1, out=tmp_path, seed=0)   # no sample_rate given
    assert r.augmented[0].shape == (2, 32, 1 + words.x.shape[1] // 128)
    expected = A.MelSpectrogram(sample_rate=8000, n_mels=32)(np.asarray(r.originals), rng=0)
    np.testing.assert_array_equal(r.augmented[0], expected)    # the data's 8000 Hz was used
    with pytest.raises(af.ConfigError, match=r"MelSpectrogram\(sample_rate=\.\.\.\) is not set"):
        A.MelSpectrogram()(words.x[:1])
    bound = A.with_sample_rate(Transform.from_dict(pipeline), 16000)
    assert bound.transforms[0].sample_rate == 16000.0
    assert Transform.from_dict(pipeline).transforms[0].sample_rate is None


def test_method_error_lists_the_methods_with_augmentation(tmp_path):
    spec = tmp_path / "s.yaml"
    spec.write_text("dataset: {name: digits}\ntrain_sizes: [40]\nmethods:\n  - baseline\n"
                    "  - {name: rotate, augment: [{type: Rotate, limit: 10}]}\n"
                    "  - {name: flips, augment: [{type: HorizontalFlip}]}\n"
                    "  - {name: dropout, dropout: 0.3}\n")
    listed = "names a method with data augmentation: rotate, flips$"
    with pytest.raises(af.ConfigError, match=r"which method's augmentation.*" + listed):
        preview(str(spec), "digits", out=None)
    with pytest.raises(af.ConfigError, match=r"it has no method 'rotat' \(did you mean "
                       r"'rotate'\?\); --method \(method= in Python\) " + listed):
        preview(str(spec), "digits", out=None, method="rotat")
    with pytest.raises(af.ConfigError, match=r"method 'dropout' has no data augmentation.*"
                       + listed):
        preview(str(spec), "digits", out=None, method="dropout")


def test_slow_steps_report_progress(tmp_path):
    lines: list[str] = []
    pipeline = af.Compose([A.MelSpectrogram(sample_rate=8000), A.TimeMask()])
    preview(pipeline, _tones(), n=2, versions=2, out=tmp_path, seed=0, progress=lines.append)
    assert lines[0] == "drawing 2 versions of 2 audio samples"
    assert lines[1] == "drawing 6 spectrogram cards"
    inversions = [s for s in lines if s.startswith("inverting spectrograms to audio")]
    assert [s.rsplit(": ", 1)[1] for s in inversions] == ["1 of 3", "2 of 3", "3 of 3"]
