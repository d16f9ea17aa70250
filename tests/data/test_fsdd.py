"""The fsdd loader against the real Free Spoken Digit Dataset in ../shared/datasets/fsdd."""
import numpy as np
import pytest
import soundfile as sf

from augfit.data.datasets import load, official_split
from augfit.data.wav import write_wav
from augfit.errors import ConfigError, MissingResourceError, ShapeError

SPEAKERS = ["george", "jackson", "lucas", "nicolas", "theo", "yweweler"]


def test_counts_labels_speakers(fsdd_all):
    ds = fsdd_all
    assert len(ds) == 3000 and ds.x.shape == (3000, 8000) and ds.x.dtype == np.float32
    assert ds.modality == "audio" and ds.meta["sample_rate"] == 8000
    assert sorted(set(ds.groups.tolist())) == SPEAKERS
    counts = {(s, d): 0 for s in SPEAKERS for d in range(10)}
    for s, d in zip(ds.groups, ds.y, strict=True):
        counts[(s, int(d))] += 1
    assert set(counts.values()) == {50}  # 50 of each digit per speaker
    assert sorted(set(ds.meta["index"].tolist())) == list(range(50))


def test_waveform_and_length_match_soundfile(fsdd_all, fsdd_path):
    ds = fsdd_all
    for i in (0, 1234, 2999):
        name = f"{ds.y[i]}_{ds.groups[i]}_{ds.meta['index'][i]}.wav"
        ref, sr = sf.read(fsdd_path / "recordings" / name, dtype="float32")
        assert sr == 8000 and ds.meta["lengths"][i] == len(ref)
        k = min(len(ref), 8000)
        np.testing.assert_array_equal(ds.x[i, :k], ref[:k])
        assert not ds.x[i, k:].any()  # zero padding after the recording


def test_official_split(fsdd_all):
    train, test = official_split(fsdd_all)
    assert (len(train), len(test)) == (2700, 300)
    assert test.meta["index"].max() == 4 and train.meta["index"].min() == 5
    assert np.bincount(test.y).tolist() == [30] * 10
    # the per-sample flag is the index rule, and subset carries it along with x
    np.testing.assert_array_equal(fsdd_all.meta["official_test"], fsdd_all.meta["index"] < 5)
    assert test.meta["official_test"].all() and not train.meta["official_test"].any()
    np.testing.assert_array_equal(test.x, fsdd_all.x[fsdd_all.meta["index"] < 5])


def test_official_split_follows_the_flag_and_needs_it(fsdd_path):
    ds = load("fsdd", path=fsdd_path, speakers=["theo"], split="train", length=800)
    assert len(ds) == 450 and not ds.meta["official_test"].any()
    assert ds.meta["official_test"].dtype == bool and ds.meta["official_test"].shape == (450,)
    sub = ds.subset([3, 0])      # a boolean flag on a different rule than the index works too
    sub.meta["official_test"] = np.array([True, False])
    train, test = official_split(sub)
    np.testing.assert_array_equal(test.x, ds.x[[3]])
    np.testing.assert_array_equal(train.x, ds.x[[0]])
    del sub.meta["official_test"]
    with pytest.raises(ConfigError, match="official_test"):
        official_split(sub)


def test_speaker_subset_split_option_and_held_out_speakers(fsdd_path):
    ds = load("fsdd", path=fsdd_path, speakers=["theo", "lucas"], split="test", length=4000)
    assert len(ds) == 100 and ds.x.shape == (100, 4000)
    assert set(ds.groups.tolist()) == {"theo", "lucas"} and ds.meta["index"].max() == 4
    tr, va, te = ds.split(val=0.0, test=0.5, by_group=True, seed=0)
    assert len(va) == 0 and len(te) == 50 and set(te.groups) .isdisjoint(set(tr.groups))
    with pytest.raises(ConfigError, match="'bob'"):
        load("fsdd", path=fsdd_path, speakers=["bob"])


def test_env_variable_and_missing_folder(fsdd_path, monkeypatch, tmp_path):
    monkeypatch.setenv("AUGFIT_FSDD", str(fsdd_path))
    assert len(load("fsdd", speakers=["george"], split="test")) == 50
    monkeypatch.delenv("AUGFIT_FSDD")
    with pytest.raises(MissingResourceError, match="AUGFIT_FSDD"):
        load("fsdd")
    with pytest.raises(MissingResourceError, match="does not exist"):
        load("fsdd", path=tmp_path / "nowhere")


def test_bad_files_reported_by_name(tmp_path):
    write_wav(tmp_path / "3_ann_0.wav", np.zeros(100, np.float32), 8000)
    (tmp_path / "4_ann_1.wav").write_bytes((tmp_path / "3_ann_0.wav").read_bytes()[:60])
    with pytest.raises(ShapeError, match=r"4_ann_1\.wav: truncated WAV"):
        load("fsdd", path=tmp_path)
    (tmp_path / "4_ann_1.wav").unlink()
    (tmp_path / "5_ann_2.wav").write_text("not audio")
    with pytest.raises(ShapeError, match=r"5_ann_2\.wav: not a WAV file"):
        load("fsdd", path=tmp_path)
    (tmp_path / "5_ann_2.wav").unlink()
    (tmp_path / "five.wav").write_bytes((tmp_path / "3_ann_0.wav").read_bytes())
    with pytest.raises(ConfigError, match=r"five\.wav is not named"):
        load("fsdd", path=tmp_path)
    (tmp_path / "five.wav").unlink()
    write_wav(tmp_path / "7_ann_3.wav", np.full(160, 0.5, np.float32), 16000)  # resampled to 8 kHz
    ds = load("fsdd", path=tmp_path, length=100)
    assert ds.y.tolist() == [3, 7] and ds.meta["lengths"].tolist() == [100, 80]
